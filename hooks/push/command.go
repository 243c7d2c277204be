package push

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// NewCommand returns `peerbase push`: `push keys` prints the VAPID public
// key (making the pair on first use), `push keys --rotate` replaces the
// pair and removes every subscription made with the old one.
func NewCommand(app core.App, cfg *Config) *cobra.Command {
	cmd := &cobra.Command{Use: "push", Short: "Web Push maintenance"}
	var rotate bool
	keys := &cobra.Command{
		Use:   "keys",
		Short: "Print the VAPID public key; --rotate makes a new pair",
		Long: "Prints the VAPID public key apps subscribe with (the one GET /api/peerbase/push/key answers),\n" +
			"generating the pair in the data dir if there is none yet.\n\n" +
			"--rotate makes a new pair and DELETES EVERY PUSH SUBSCRIPTION: they were made for the old key and\n" +
			"push services refuse them now, so every device must subscribe again (apps do when the key from\n" +
			"/api/peerbase/push/key differs from the one they subscribed with). The delivery log stays.\n" +
			"Restart a running server afterwards so that it signs with the new key.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			if !rotate {
				k := cfg.Keys
				if k == (Keys{}) {
					var err error
					if k, err = LoadOrCreateKeys(app.DataDir()); err != nil {
						return err
					}
				} else {
					k, _ = k.Normalize()
				}
				fmt.Fprintln(c.OutOrStdout(), k.Public)
				return nil
			}
			k, n, err := RotateKeys(app, *cfg)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.OutOrStdout(), k.Public)
			fmt.Fprintf(c.ErrOrStderr(), "new VAPID keys written to %s/%s; %d push subscriptions removed: "+
				"every device must subscribe again with the new key. Restart the server to use it.\n",
				app.DataDir(), KeysFile, n)
			return nil
		},
	}
	keys.Flags().BoolVar(&rotate, "rotate", false, "make a new key pair and remove every push subscription")
	cmd.AddCommand(keys)
	return cmd
}
