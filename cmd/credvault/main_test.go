package main

import (
	"os"
	"os/exec"
	"testing"
)

// asCLIEnv makes the test binary run main instead of the tests: tests
// that need a process of their own (to send it a signal) run the CLI so.
const asCLIEnv = "CREDVAULT_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(asCLIEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// command returns the CLI as a process of its own, with h's environment.
func (h *harness) command(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asCLIEnv+"=1")
	for k, v := range h.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}
