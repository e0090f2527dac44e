package config

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadDashboard(t *testing.T) {
	full := map[string]string{"HERALD_DASHBOARD_URL": "https://herald.example.org/", "DISCORD_CLIENT_SECRET": "s3cret-client",
		"DISCORD_APP_ID": "11", "HERALD_DASHBOARD_OPERATORS": " 42, 43 "}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for key, val := range full {
			m[key] = val
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    Dashboard
		wantErr string
	}{
		{name: "off by default", env: map[string]string{}},
		{name: "configured", env: full, want: Dashboard{URL: "https://herald.example.org", ClientSecret: "s3cret-client", Operators: []string{"42", "43"}}},
		{name: "no secret", env: with("DISCORD_CLIENT_SECRET", ""), wantErr: "DISCORD_CLIENT_SECRET"},
		{name: "no app id", env: with("DISCORD_APP_ID", ""), wantErr: "DISCORD_APP_ID"},
		{name: "not a url", env: with("HERALD_DASHBOARD_URL", "herald.example.org"), wantErr: "HERALD_DASHBOARD_URL"},
		{name: "operator not an id", env: with("HERALD_DASHBOARD_OPERATORS", "42,ada"), wantErr: "HERALD_DASHBOARD_OPERATORS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(env(tc.env))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, cfg.Dashboard); d != "" {
				t.Errorf("Dashboard (-want +got):\n%s", d)
			}
			var b strings.Builder
			slog.New(slog.NewJSONHandler(&b, nil)).Info("starting", "config", cfg)
			if strings.Contains(b.String(), "s3cret-client") {
				t.Errorf("the config's log line leaks the client secret: %s", b.String())
			}
		})
	}
}
