package nattest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// checkEnv reports why this machine cannot build topologies, or nil.
func checkEnv() error {
	if os.Geteuid() != 0 {
		return errors.New("nattest: network namespaces need root")
	}
	for _, tool := range []string{"ip", "iptables", "iptables-restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("nattest: %s not found (apt-get install iproute2 iptables conntrack): %w", tool, err)
		}
	}
	return nil
}

// unavailable skips the test because of err, or fails it when CI=true.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%v (CI=true: a missing environment is a failure)", err)
	}
	t.Skipf("%v", err)
}
