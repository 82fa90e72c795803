package protocol

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	flatbuffers "github.com/google/flatbuffers/go"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
	pc "github.com/api7/ext-plugin-proto/go/A6/PrepareConf"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

type sayPlugin struct{ plugin.DefaultPlugin }

func (sayPlugin) Name() string { return "say" }
func (sayPlugin) ParseConf(in []byte) (any, error) {
	return string(in), nil
}
func (sayPlugin) RequestFilter(conf any, w http.ResponseWriter, r pluginhttp.Request) {
	w.Header().Add("X-Resp-A6-Runner", "Go")
	_, _ = w.Write([]byte(conf.(string)))
}

func TestSmoke(t *testing.T) {
	reg := plugin.NewRegistry()
	spec, err := plugin.NewSpec(sayPlugin{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Add(spec); err != nil {
		t.Fatal(err)
	}
	srv := NewServer(Config{}, reg)
	sock := filepath.Join(t.TempDir(), "r.sock")
	l, err := Listen("unix:"+sock, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- Run(ctx, srv, l, time.Second) }()
	defer func() { cancel(); <-done }()

	nc, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	r := bufio.NewReader(nc)

	b := flatbuffers.NewBuilder(0)
	name, val := b.CreateString("say"), b.CreateString("hello")
	A6.TextEntryStart(b)
	A6.TextEntryAddName(b, name)
	A6.TextEntryAddValue(b, val)
	te := A6.TextEntryEnd(b)
	pc.ReqStartConfVector(b, 1)
	b.PrependUOffsetT(te)
	vec := b.EndVector(1)
	key := b.CreateString("route#1#ext-plugin-pre-req#1")
	pc.ReqStart(b)
	pc.ReqAddConf(b, vec)
	pc.ReqAddKey(b, key)
	b.Finish(pc.ReqEnd(b))
	if err := WriteFrame(nc, TypePrepareConf, b.FinishedBytes()); err != nil {
		t.Fatal(err)
	}
	typ, body, err := ReadFrame(r, nil)
	if err != nil || typ != TypePrepareConf {
		t.Fatalf("prepare: %d %v", typ, err)
	}
	token := pc.GetRootAsResp(body, 0).ConfToken()

	b.Reset()
	path := b.CreateString("/hello")
	hrc.ReqStart(b)
	hrc.ReqAddId(b, 7)
	hrc.ReqAddPath(b, path)
	hrc.ReqAddConfToken(b, token)
	b.Finish(hrc.ReqEnd(b))
	if err := WriteFrame(nc, TypeHTTPReqCall, b.FinishedBytes()); err != nil {
		t.Fatal(err)
	}
	typ, body, err = ReadFrame(r, nil)
	if err != nil || typ != TypeHTTPReqCall {
		t.Fatalf("call: %d %v", typ, err)
	}
	resp := hrc.GetRootAsResp(body, 0)
	if resp.Id() != 7 || resp.ActionType() != hrc.ActionStop {
		t.Fatalf("id %d action %v", resp.Id(), resp.ActionType())
	}
	var tab flatbuffers.Table
	resp.Action(&tab)
	var stop hrc.Stop
	stop.Init(tab.Bytes, tab.Pos)
	if string(stop.BodyBytes()) != "hello" || stop.Status() != 200 {
		t.Fatalf("stop %q %d", stop.BodyBytes(), stop.Status())
	}
}
