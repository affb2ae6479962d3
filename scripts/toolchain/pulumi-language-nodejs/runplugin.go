// RunPlugin for the 3.68 Node.js language host, built next to upstream's main.go by
// scripts/toolchain.sh (upstream's own RunPlugin answers "not supported").
//
// CLIs from 3.221 on start a Node.js policy pack by calling RunPlugin on the language host with
// kind "analyzer" and the pack's directory in `info.program_directory`; both fields are newer than the
// 3.68 protocol types, so they are read from the request's unknown fields. The pack runs as
// `node <@pulumi/pulumi/cmd/run-policy-pack resolved from the pack> <args...> <pack dir>` in the pack's
// directory, as in upstream's later hosts; its output is streamed back and its exit code returned.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of pulumirpc.RunPluginRequest and pulumirpc.ProgramInfo in later protocol versions.
const (
	runPluginInfoField    = 5 // ProgramInfo info
	runPluginKindField    = 6 // string kind
	programDirectoryField = 2 // ProgramInfo.program_directory
)

// unknownString returns the last value of a length-delimited field in raw protobuf bytes.
func unknownBytes(raw []byte, field protowire.Number) ([]byte, bool) {
	var found []byte
	ok := false
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return nil, false
		}
		raw = raw[n:]
		if typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(raw)
			if m < 0 {
				return nil, false
			}
			if num == field {
				found, ok = v, true
			}
			raw = raw[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, raw)
		if m < 0 {
			return nil, false
		}
		raw = raw[m:]
	}
	return found, ok
}

func (host *nodeLanguageHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	unknown := req.ProtoReflect().GetUnknown()
	kind, _ := unknownBytes(unknown, runPluginKindField)
	info, _ := unknownBytes(unknown, runPluginInfoField)
	dirBytes, _ := unknownBytes(info, programDirectoryField)
	dir := string(dirBytes)
	if dir == "" {
		dir = req.GetProgram()
	}
	if string(kind) != "analyzer" {
		return fmt.Errorf("RunPlugin: only policy packs (kind analyzer) are supported by this host, not %q", kind)
	}
	if dir == "" {
		return errors.New("RunPlugin: no program directory for the policy pack")
	}

	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("RunPlugin: could not find node on the $PATH: %w", err)
	}
	resolve := exec.Command(node, "-e", "console.log(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))")
	resolve.Dir = dir
	out, err := resolve.Output()
	if err != nil {
		return fmt.Errorf("it looks like the policy pack's dependencies are not installed; "+
			"try running npm install in %q: %w", dir, err)
	}
	script := strings.TrimSpace(string(out))

	args := append([]string{script}, req.GetArgs()...)
	args = append(args, dir)
	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), req.GetEnv()...)

	var mu sync.Mutex
	send := func(resp *pulumirpc.RunPluginResponse) error {
		mu.Lock()
		defer mu.Unlock()
		return server.Send(resp)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("RunPlugin: starting %s: %w", script, err)
	}
	var wg sync.WaitGroup
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				_ = send(wrap(append([]byte(nil), buf[:n]...)))
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	wg.Wait()
	code := int32(0)
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return err
		}
		code = int32(exit.ExitCode())
	}
	return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}
