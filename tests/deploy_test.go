package tests

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Tests of deploy/: the files parse, name what the images hold, and the
// configuration and scripts they ship pass `go-runner check`.

// repoFile reads a file of the repository.
func repoFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// yamlDocs decodes every document of a YAML file.
func yamlDocs(t testing.TB, rel string) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(repoFile(t, rel)))
	var docs []map[string]any
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if err.Error() == "EOF" {
				return docs
			}
			t.Fatalf("%s: %v", rel, err)
		}
		docs = append(docs, m)
	}
}

// dig follows keys (string keys, or int indexes of lists) into v.
func dig(t testing.TB, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("no map at %q in %v", k, keys)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("no list item %d in %v", k, keys)
			}
			v = l[k]
		}
	}
	return v
}

// checkScripts runs `go-runner check` with config on scripts (a map of file
// to source) laid out as the image lays them: config in dir, scripts in
// dir/scripts.
func checkScripts(t testing.TB, config []byte, scripts map[string]string) {
	t.Helper()
	dir := shortDir(t)
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), config, 0o644); err != nil {
		t.Fatal(err)
	}
	sd := filepath.Join(dir, "scripts")
	if err := os.MkdirAll(sd, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range scripts {
		if err := os.WriteFile(filepath.Join(sd, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := opRun(t, dir, nil, "check", "--config", filepath.Join(dir, "config.yaml"))
	if r.code != 0 {
		t.Errorf("go-runner check of %v: exit %d\n%s%s", scripts, r.code, r.stdout, r.stderr)
	}
}

// exampleScripts are the repository's example scripts, as the images ship.
func exampleScripts(t testing.TB) map[string]string {
	t.Helper()
	m := map[string]string{}
	files, _ := filepath.Glob(filepath.Join("..", "scripts", "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m[filepath.Base(f)] = string(b)
	}
	if len(m) < 2 {
		t.Fatalf("example scripts %v", files)
	}
	return m
}

const (
	imageBinary = "/usr/local/bin/go-runner"
	imageConfig = "/etc/go-runner/config.yaml"
	imageDir    = "/etc/go-runner/scripts"
)

// TestDeployFiles: the compose file, the Kubernetes manifests, the Helm
// values and the images' configurations agree on where go-runner, its
// config and its scripts are, and what they ship passes go-runner check.
func TestDeployFiles(t *testing.T) {
	runnerCmd := []any{imageBinary, "run", "--config", imageConfig}
	sameCmd := func(where string, got any) {
		t.Helper()
		l, _ := got.([]any)
		if len(l) != len(runnerCmd) {
			t.Errorf("%s: ext-plugin cmd %v, want %v", where, got, runnerCmd)
			return
		}
		for i := range l {
			if l[i] != runnerCmd[i] {
				t.Errorf("%s: ext-plugin cmd %v, want %v", where, got, runnerCmd)
			}
		}
	}

	// The images' go-runner configuration, with the example scripts.
	checkScripts(t, repoFile(t, "deploy/docker/config.yaml"), exampleScripts(t))
	df := string(repoFile(t, "deploy/docker/Dockerfile"))
	for _, w := range []string{"AS build", "AS runtime", "AS apisix", "CGO_ENABLED=0", "-trimpath", "USER 65532:65532",
		"/out/go-runner " + imageBinary, "/out/etc/go-runner/ /etc/go-runner/", "deploy/docker/apisix-config.yaml /usr/local/apisix/conf/config.yaml",
		"go-runner check --config"} {
		if !strings.Contains(df, w) {
			t.Errorf("deploy/docker/Dockerfile lacks %q", w)
		}
	}

	// APISIX's configuration in the apisix image.
	ac := yamlDocs(t, "deploy/docker/apisix-config.yaml")[0]
	sameCmd("deploy/docker/apisix-config.yaml", dig(t, ac, "ext-plugin", "cmd"))

	// Compose: APISIX (the apisix image) and etcd, the host's scripts
	// mounted where the image's config looks.
	cf := yamlDocs(t, "deploy/compose/compose.yaml")[0]
	svcs, _ := dig(t, cf, "services").(map[string]any)
	if len(svcs) != 2 || svcs["etcd"] == nil || svcs["apisix"] == nil {
		t.Errorf("compose services %v, want apisix and etcd", svcs)
	}
	if dig(t, cf, "services", "apisix", "build", "target") != "apisix" || dig(t, cf, "services", "apisix", "build", "dockerfile") != "deploy/docker/Dockerfile" {
		t.Errorf("compose apisix build: %v", dig(t, cf, "services", "apisix", "build"))
	}
	if ctx := dig(t, cf, "services", "apisix", "build", "context").(string); filepath.Clean(filepath.Join("../deploy/compose", ctx)) != ".." {
		t.Errorf("compose build context %q is not the repository's root", ctx)
	}
	vols := dig(t, cf, "services", "apisix", "volumes").([]any)
	if len(vols) != 1 || !strings.HasPrefix(vols[0].(string), "./scripts:"+imageDir) {
		t.Errorf("compose apisix volumes %v, want ./scripts on %s", vols, imageDir)
	}
	for _, p := range dig(t, cf, "services", "apisix", "ports").([]any) {
		if !strings.HasPrefix(p.(string), "127.0.0.1:") {
			t.Errorf("compose port %q is not bound to the loopback", p)
		}
	}
	say := string(repoFile(t, "scripts/say.go"))
	if string(repoFile(t, "deploy/compose/scripts/say.go")) != say {
		t.Error("deploy/compose/scripts/say.go differs from scripts/say.go: copy it again")
	}

	// Kubernetes: the scripts ConfigMap passes check, and the Deployment
	// mounts it as a folder (no subPath: edits reach the pod).
	cm := yamlDocs(t, "deploy/kubernetes/scripts-configmap.yaml")[0]
	data := dig(t, cm, "data").(map[string]any)
	scripts := map[string]string{}
	for k, v := range data {
		scripts[k] = v.(string)
	}
	if scripts["say.go"] != say {
		t.Error("say.go of deploy/kubernetes/scripts-configmap.yaml differs from scripts/say.go")
	}
	checkScripts(t, repoFile(t, "deploy/docker/config.yaml"), scripts)
	kinds := map[string]map[string]any{}
	for _, d := range yamlDocs(t, "deploy/kubernetes/apisix.yaml") {
		kinds[d["kind"].(string)] = d
	}
	if kinds["ConfigMap"] == nil || kinds["Deployment"] == nil || kinds["Service"] == nil {
		t.Fatalf("deploy/kubernetes/apisix.yaml kinds %v", kinds)
	}
	var apisixConf map[string]any
	if err := yaml.Unmarshal([]byte(dig(t, kinds["ConfigMap"], "data", "config.yaml").(string)), &apisixConf); err != nil {
		t.Fatal(err)
	}
	sameCmd("deploy/kubernetes/apisix.yaml", dig(t, apisixConf, "ext-plugin", "cmd"))
	mounted := false
	for _, m := range dig(t, kinds["Deployment"], "spec", "template", "spec", "containers", 0, "volumeMounts").([]any) {
		mm := m.(map[string]any)
		if mm["name"] == "scripts" && mm["mountPath"] == imageDir && mm["subPath"] == nil {
			mounted = true
		}
	}
	if !mounted {
		t.Errorf("the Deployment does not mount the scripts ConfigMap as a folder on %s", imageDir)
	}

	// Helm values: ext-plugin on, the scripts ConfigMap mounted.
	hv := yamlDocs(t, "deploy/helm/values.yaml")[0]
	if dig(t, hv, "apisix", "extPlugin", "enabled") != true {
		t.Error("helm values: apisix.extPlugin.enabled is not true")
	}
	sameCmd("deploy/helm/values.yaml", dig(t, hv, "apisix", "extPlugin", "cmd"))
	if dig(t, hv, "extraVolumeMounts", 0, "mountPath") != imageDir || dig(t, hv, "extraVolumes", 0, "configMap", "name") != dig(t, cm, "metadata", "name") {
		t.Errorf("helm values: scripts volume %v on %v", dig(t, hv, "extraVolumes"), dig(t, hv, "extraVolumeMounts"))
	}

	// systemd: the unit runs the binary where the release puts it.
	unit := string(repoFile(t, "deploy/systemd/go-runner.service"))
	for _, w := range []string{"ExecStart=" + imageBinary + " run --config " + imageConfig, "ExecReload=/bin/kill -HUP $MAINPID", "User=go-runner"} {
		if !strings.Contains(unit, w) {
			t.Errorf("go-runner.service lacks %q", w)
		}
	}
	if lr := string(repoFile(t, "deploy/systemd/go-runner.logrotate")); !strings.Contains(lr, "--signal=USR1") || strings.Contains(lr, "\n    copytruncate") {
		t.Errorf("go-runner.logrotate should signal USR1 and not copytruncate:\n%s", lr)
	}
}

// TestDeployImage builds the runtime image from a release binary
// (deploy/docker/Dockerfile.dist) with podman, when podman is installed,
// and checks what it holds: the non-root user, the static binary (run in
// the image's root directory, where there is no libc), and the config and
// scripts, which pass go-runner check. Running a container is not tried:
// the sandbox this project's CI runs in refuses it (crun: setrlimit).
func TestDeployImage(t *testing.T) {
	podman, err := exec.LookPath("podman")
	if err != nil {
		t.Skip("podman is not installed (apt-get install podman): the image is not built")
	}
	if os.Geteuid() != 0 {
		t.Skip("not root: the image's root directory cannot be entered")
	}
	if out, err := podmanCanBuild(podman, shortDir(t)); err != nil {
		t.Skipf("podman cannot build an image on this machine, so the image is not built: %v\n%s", err, out)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// The build context: the repository's files the Dockerfile copies,
	// and the release binary.
	bin := releaseAMD64(t, root)
	ctxDir := shortDir(t)
	run := func(name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = ctxDir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %q: %v\n%s", name, args, err, out.String())
		}
		return out.String()
	}
	run("cp", "-r", filepath.Join(root, "deploy"), filepath.Join(root, "scripts"), filepath.Join(root, ".dockerignore"), ctxDir)
	if err := os.MkdirAll(filepath.Join(ctxDir, "dist"), 0o755); err != nil {
		t.Fatal(err)
	}
	run("cp", bin, filepath.Join(ctxDir, "dist", "go-runner-test-linux-amd64"))
	tag := "localhost/go-runner-test:" + filepath.Base(ctxDir)
	run(podman, append(isolatedBuild, "-f", "deploy/docker/Dockerfile.dist", "-t", tag, ".")...)
	t.Cleanup(func() { _ = exec.Command(podman, "rmi", "-f", tag).Run() })
	if user := strings.TrimSpace(run(podman, "image", "inspect", tag, "--format", "{{.Config.User}}")); user != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532 (non-root)", user)
	}
	id := strings.TrimSpace(run(podman, "create", tag))
	t.Cleanup(func() { _ = exec.Command(podman, "rm", "-f", id).Run() })
	fsDir := shortDir(t)
	if err := os.Chmod(fsDir, 0o755); err != nil { // the image's root
		t.Fatal(err)
	}
	run("sh", "-c", podman+" export "+id+" | tar -x -C "+fsDir)

	// The binary alone in the image's root, as the image's user.
	ctx, cancel := context.WithTimeout(context.Background(), exitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, imageBinary, "version")
	cmd.Dir, cmd.Env = "/", []string{}
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: fsDir, Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
	if out, err := cmd.CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "go-runner ") {
		t.Errorf("go-runner version in the image's root: %v\n%s", err, out)
	}
	// The image's config and scripts pass check (run outside, with the
	// image's binary: check's probes need /proc, which a container has).
	r := opRunBin(t, filepath.Join(fsDir, imageBinary), fsDir, nil, "check", "--config", filepath.Join(fsDir, imageConfig))
	if r.code != 0 {
		t.Errorf("go-runner check of the image's config: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(filepath.Join(fsDir, "tmp")); err != nil || fi.Sys().(*syscall.Stat_t).Uid != 65532 {
		t.Errorf("the image's /tmp is not the runner's to write its socket in: %v", err)
	}
}

// isolatedBuild starts a podman build that neither reads nor leaves cached
// intermediate layers. Two builds of the same files (the suite run by two
// go test processes at once, as SHARDS does) would otherwise share them,
// and one's rmi removed the layers the other was building on ("layer not
// known", "identifier is not a container").
var isolatedBuild = []string{"build", "-q", "--layers=false"}

// podmanCanBuild builds and removes a one-file image FROM scratch in dir:
// whether a container builder can run here at all (no registry is needed).
// Its error, with podman's output, is the reason when it cannot.
func podmanCanBuild(podman, dir string) ([]byte, error) {
	if err := os.WriteFile(filepath.Join(dir, "probe"), []byte("probe\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "Containerfile"), []byte("FROM scratch\nCOPY probe /probe\n"), 0o644); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	tag := "localhost/go-runner-probe:" + filepath.Base(dir)
	cmd := exec.CommandContext(ctx, podman, append(isolatedBuild, "-t", tag, ".")...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		_ = exec.Command(podman, "rmi", "-f", tag).Run()
	}
	return out, err
}
