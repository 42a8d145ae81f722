// Command pulumi-language-python is pulumi-quantum's Python language host for the Pulumi engine.
//
// Why this exists: the upstream language host lives in its own, untagged Go module
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3). The module proxy reachable
// from this project's machines serves the tagged pkg/v3 and sdk/v3 releases but no version of that
// module, so it cannot be built here. This host implements the same LanguageRuntime gRPC contract
// against the pinned sdk/v3 release: the engine starts it, calls Run, and it launches the SDK's own
// `pulumi-language-python-exec` shim with the arguments and PULUMI_CONFIG environment the upstream
// host uses. Where a real `pulumi-language-python` is on PATH, scripts/bootstrap uses that instead.
//
// RunPlugin (runplugin.go) runs Python plugins the engine launches from a directory: a CrossGuard
// policy pack (`pulumi preview --policy-pack DIR`, PulumiPolicy.yaml) and a PulumiPlugin.yaml
// provider. Without it the engine could start no Python policy pack at all: finding this host, it
// never falls back to the retired pulumi-analyzer-policy-python shim.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	execShim      string
}

func main() {
	// The engine passes flags such as -root=DIR and -tracing=URL, then the engine address.
	var positional []string
	for _, arg := range os.Args[1:] {
		if !strings.HasPrefix(arg, "-") {
			positional = append(positional, arg)
		}
	}
	h := &host{execShim: findExecShim()}
	if len(positional) > 0 {
		h.engineAddress = positional[len(positional)-1]
	}

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start language host: %v\n", err)
		os.Exit(1)
	}
	server := grpc.NewServer(grpc.MaxRecvMsgSize(400 * 1024 * 1024))
	pulumirpc.RegisterLanguageRuntimeServer(server, h)
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != nil {
		fmt.Fprintf(os.Stderr, "language host stopped: %v\n", err)
		os.Exit(1)
	}
}

// findExecShim locates pulumi-language-python-exec next to this binary, else on PATH.
func findExecShim() string {
	if self, err := os.Executable(); err == nil {
		candidate := filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")
		if _, err := os.Stat(candidate); err == nil {
			return candidate
		}
	}
	if found, err := exec.LookPath("pulumi-language-python-exec"); err == nil {
		return found
	}
	return "pulumi-language-python-exec"
}

// pythonFor picks the interpreter: runtime option `virtualenv` (relative to the project root),
// else PULUMI_PYTHON_CMD, else python3 — the same order the upstream host and the SDK's
// pulumi-resource-pulumi-python script use.
func pythonFor(info *pulumirpc.ProgramInfo) (string, string) {
	if info != nil && info.GetOptions() != nil {
		if venv, ok := info.GetOptions().AsMap()["virtualenv"].(string); ok && venv != "" {
			if !filepath.IsAbs(venv) {
				venv = filepath.Join(info.GetRootDirectory(), venv)
			}
			return filepath.Join(venv, "bin", "python"), venv
		}
	}
	if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
		return cmd, ""
	}
	return "python3", ""
}

func (h *host) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// GetRequiredPlugins: a dynamic-provider program needs no plugin beyond the bundled
// pulumi-resource-pulumi-python, so nothing is reported (and nothing is downloaded).
func (h *host) GetRequiredPlugins(
	ctx context.Context, _ *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(
	ctx context.Context, _ *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) GetProgramDependencies(
	ctx context.Context, _ *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	python, _ := pythonFor(req.GetInfo())
	return &pulumirpc.AboutResponse{Executable: python}, nil
}

// InstallDependencies is a no-op: the project's virtualenv is created by scripts/bootstrap.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest,
	stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	python, venv := pythonFor(info)
	pwd := req.GetPwd()
	program := req.GetProgram()
	root := ""
	if info != nil {
		root = info.GetRootDirectory()
		if info.GetProgramDirectory() != "" {
			pwd = info.GetProgramDirectory()
		}
		if info.GetEntryPoint() != "" {
			program = info.GetEntryPoint()
		}
	}
	if program == "" {
		program = "."
	}

	args := []string{"-u", h.execShim}
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", pwd)
	add("dry_run", fmt.Sprintf("%v", req.GetDryRun()))
	add("parallel", fmt.Sprint(req.GetParallel()))
	add("organization", req.GetOrganization())
	add("root_directory", root)
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	env := os.Environ()
	if venv != "" {
		env = append(env, "VIRTUAL_ENV="+venv,
			"PATH="+filepath.Join(venv, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	// Empty maps must reach the SDK as {} and [], not null.
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	secretKeyList := req.GetConfigSecretKeys()
	if secretKeyList == nil {
		secretKeyList = []string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("serialising config: %w", err)
	}
	secretKeys, err := json.Marshal(secretKeyList)
	if err != nil {
		return nil, fmt.Errorf("serialising secret keys: %w", err)
	}
	env = append(env, "PULUMI_CONFIG="+string(configJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))

	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Dir = pwd
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			// A non-zero exit is the program's error, already reported through the engine.
			if exitErr.ExitCode() == 32 {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("could not run the Python program with %s: %v", python, err),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}
