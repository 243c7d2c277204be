package hooks_test

import (
	"testing"
	"time"

	"github.com/spf13/pflag"

	"peerbase/hooks"
)

// TestSwapExpiryFlag: --swap-expiry reaches the swaps configuration, a
// week unless given, 0 turning expiry off.
func TestSwapExpiryFlag(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]time.Duration{"": 7 * 24 * time.Hour, "--swap-expiry=48h": 48 * time.Hour, "--swap-expiry=0": 0} {
		cfg := hooks.DefaultConfig()
		flags := pflag.NewFlagSet("peerbase", pflag.ContinueOnError)
		hooks.BindFlags(flags, &cfg)
		var argv []string
		if args != "" {
			argv = []string{args}
		}
		if err := flags.Parse(argv); err != nil {
			t.Fatal(err)
		}
		if cfg.Swaps.ProposalTTL != want {
			t.Errorf("%q: ProposalTTL %s, want %s", args, cfg.Swaps.ProposalTTL, want)
		}
	}
}
