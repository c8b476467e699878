// Command pulumi-language-python is the Python language host of this test bed: a launcher in front
// of the host that Pulumi v3.79.0 shipped, the newest one the Go module proxy serves.
//
// Engines since v3.80 no longer pass a project's runtime options on the language host's command line;
// they send them in each RPC, which that older host does not read. Without them it ignores
// `runtime.options.virtualenv` and runs programs with whatever `python3` is on PATH. The launcher reads
// the options from the project's Pulumi.yaml, as the current host would, and starts the real host
// (kept in ../libexec) with the flags it understands.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	bin := filepath.Dir(self)
	host := filepath.Join(bin, "..", "libexec", "pulumi-language-python")
	flags, err := projectFlags()
	if err != nil {
		return err
	}
	argv := append([]string{host, "-use-executor=" + filepath.Join(bin, "pulumi-language-python-exec")}, flags...)
	argv = append(argv, os.Args[1:]...)
	return syscall.Exec(host, argv, os.Environ())
}

// projectFlags turns the runtime options of the project around the working directory (the engine
// starts the host in the program's directory) into the older host's flags.
func projectFlags() ([]string, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	path, err := workspace.DetectProjectPathFrom(cwd)
	if err != nil || path == "" {
		return nil, nil // not inside a project (e.g. `pulumi about`): nothing to hand on
	}
	project, err := workspace.LoadProject(path)
	if err != nil {
		return nil, err
	}
	root := filepath.Dir(path)
	flags := []string{"-root=" + root}
	options := project.Runtime.Options()
	if toolchain, ok := options["toolchain"]; ok && toolchain != "pip" {
		return nil, fmt.Errorf("%s: runtime option toolchain %q is not supported by this language host; "+
			"use toolchain: pip with a virtualenv", path, toolchain)
	}
	if virtualenv, ok := options["virtualenv"].(string); ok && virtualenv != "" {
		flags = append(flags, "-virtualenv="+virtualenv)
	}
	return flags, nil
}
