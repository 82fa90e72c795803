package tests

import (
	"bytes"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// releaseDirEnv names a directory where ./release.sh already wrote the
// release binaries (test.sh sets it); unset, the test builds the amd64 one.
const releaseDirEnv = "GORUNNER_TEST_RELEASE_DIR"

// TestReleaseBinaries: release.sh's binaries are static ELF files for
// their architecture (no program interpreter, no shared library), stamped
// with the version and commit of the checkout, and the amd64 one runs in an
// empty root directory, where there is no libc.
func TestReleaseBinaries(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %q: %v", args, err)
		}
		return strings.TrimSpace(string(b))
	}
	commit := git("rev-parse", "HEAD")
	arches := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	if os.Getenv(releaseDirEnv) == "" {
		arches = map[string]elf.Machine{"amd64": elf.EM_X86_64}
	}
	dir := releaseDir(t, root)
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	var amd64 string
	for arch, machine := range arches {
		matches, _ := filepath.Glob(filepath.Join(dir, "go-runner-*-linux-"+arch))
		if len(matches) != 1 {
			t.Fatalf("%s: release binaries %v, want one", arch, matches)
		}
		bin := matches[0]
		if !bytes.Contains(sums, []byte(filepath.Base(bin))) {
			t.Errorf("SHA256SUMS lacks %s", filepath.Base(bin))
		}
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		if f.Machine != machine {
			t.Errorf("%s: machine %s, want %s", bin, f.Machine, machine)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s has a program interpreter: it is dynamically linked", bin)
			}
		}
		if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
			t.Errorf("%s needs shared libraries %v (%v)", bin, libs, err)
		}
		f.Close()
		if arch == "amd64" {
			amd64 = bin
		}
	}

	// Stamped: the version in the file name and the commit of HEAD.
	version := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(amd64), "go-runner-"), "-linux-amd64")
	r := opRunBin(t, amd64, shortDir(t), nil, "version")
	if r.code != 0 || !strings.Contains(r.stdout, "go-runner "+version+"\n") || !strings.Contains(r.stdout, "commit: "+commit+"\n") {
		t.Errorf("version of %s: exit %d\n%s%s\nwant go-runner %s, commit %s", amd64, r.code, r.stdout, r.stderr, version, commit)
	}
	if version == "dev" || strings.Contains(version, "unknown") {
		t.Errorf("version %q is not stamped", version)
	}

	// No libc: an empty root directory holding the binary alone.
	if os.Geteuid() != 0 {
		t.Logf("not root: the run in an empty root directory is left out (the ELF checks above stand)")
		return
	}
	jail := t.TempDir()
	b, err := os.ReadFile(amd64)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(jail, "go-runner"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), exitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/go-runner", "version")
	cmd.Path = "/go-runner"
	cmd.Dir = "/"
	cmd.Env = []string{}
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: jail}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "go-runner "+version+"\n") {
		t.Errorf("in an empty root: %v\n%s", err, out)
	}
}

// releaseDir returns the directory of ./release.sh's binaries: the one in
// $GORUNNER_TEST_RELEASE_DIR (both architectures), else a temporary one
// where it builds the linux/amd64 binary alone.
func releaseDir(t testing.TB, root string) string {
	t.Helper()
	if dir := os.Getenv(releaseDirEnv); dir != "" {
		return dir
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "./release.sh")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "OUT="+dir, "ARCHES=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("release.sh: %v\n%s", err, b)
	}
	return dir
}

// releaseAMD64 returns the linux/amd64 binary of ./release.sh (releaseDir).
func releaseAMD64(t testing.TB, root string) string {
	t.Helper()
	dir := releaseDir(t, root)
	m, _ := filepath.Glob(filepath.Join(dir, "go-runner-*-linux-amd64"))
	if len(m) != 1 {
		t.Fatalf("release binaries in %s: %v, want one for amd64", dir, m)
	}
	return m[0]
}
