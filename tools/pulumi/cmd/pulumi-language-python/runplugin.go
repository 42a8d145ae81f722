package main

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// pluginArgs is the interpreter's command line for a plugin in directory dir, given the
// engine's arguments (its logging/tracing flags, then for a policy pack the engine address).
//
// A policy pack (kind "analyzer") runs as the SDK's `python -m pulumi.policy ENGINE DIR`: the
// module the retired pulumi-analyzer-policy-python shim ran, which sets the stack's config and
// runs DIR/__main__.py, where pulumi_policy.PolicyPack serves the Analyzer protocol and prints
// its port. Any other plugin kind runs DIR/__main__.py with the engine's arguments.
func pluginArgs(kind, dir string, engineArgs []string) []string {
	args := []string{"-u"}
	if kind == "analyzer" {
		args = append(args, "-m", "pulumi.policy")
		args = append(args, engineArgs...)
		return append(args, dir)
	}
	args = append(args, dir)
	return append(args, engineArgs...)
}

// lockedSender serialises sends on the RunPlugin stream: the child's stdout and stderr are
// copied by two goroutines, and a gRPC stream allows one sender at a time.
type lockedSender struct {
	mu     sync.Mutex
	server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]
}

func (s *lockedSender) send(resp *pulumirpc.RunPluginResponse) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.server.Send(resp)
}

type streamWriter struct {
	sender *lockedSender
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	chunk := append([]byte(nil), p...)
	resp := &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: chunk}}
	if w.stderr {
		resp = &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: chunk}}
	}
	if err := w.sender.send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

// RunPlugin starts the Python plugin in req.Info's program directory, streams its output to
// the engine (which reads the plugin's gRPC port from the first stdout line) and ends with its
// exit code. The engine cancels the stream's context to stop the plugin.
func (h *host) RunPlugin(
	req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	info := req.GetInfo()
	if info == nil || info.GetProgramDirectory() == "" {
		return errors.New("RunPlugin: the request names no plugin directory")
	}
	dir := info.GetProgramDirectory()
	python, venv := pythonFor(info)

	// req.Env is the whole environment the engine chose for the plugin (its own plus extras).
	env := append([]string(nil), req.GetEnv()...)
	if venv != "" {
		path := ""
		for _, kv := range env {
			if strings.HasPrefix(kv, "PATH=") {
				path = strings.TrimPrefix(kv, "PATH=")
			}
		}
		env = append(env, "VIRTUAL_ENV="+venv,
			"PATH="+filepath.Join(venv, "bin")+string(filepath.ListSeparator)+path)
	}

	sender := &lockedSender{server: server}
	cmd := exec.CommandContext(server.Context(), python, pluginArgs(req.GetKind(), dir, req.GetArgs())...)
	cmd.Dir = req.GetPwd()
	if cmd.Dir == "" {
		cmd.Dir = dir
	}
	cmd.Env = env
	cmd.Stdout = streamWriter{sender: sender}
	cmd.Stderr = streamWriter{sender: sender, stderr: true}

	code := int32(0)
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("could not run the Python plugin in %s with %s: %w", dir, python, err)
		}
		code = int32(exitErr.ExitCode())
	}
	return sender.send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

var _ io.Writer = streamWriter{}
