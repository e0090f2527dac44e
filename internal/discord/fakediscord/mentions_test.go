package fakediscord

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPings(t *testing.T) {
	t.Parallel()
	content := "@everyone <@&111> <@222> <@!222> <@&333>"
	tests := []struct {
		name string
		am   *AllowedMentions
		want Pings
	}{
		{name: "absent parses everything", am: nil, want: Pings{Everyone: true, Roles: []string{"111", "333"}, Users: []string{"222"}}},
		{name: "empty parse pings nobody", am: &AllowedMentions{Parse: []string{}}, want: Pings{}},
		{name: "listed role only", am: &AllowedMentions{Parse: []string{}, Roles: []string{"333"}}, want: Pings{Roles: []string{"333"}}},
		{name: "listed user only", am: &AllowedMentions{Parse: []string{}, Users: []string{"222"}}, want: Pings{Users: []string{"222"}}},
		{name: "parse roles", am: &AllowedMentions{Parse: []string{"roles"}}, want: Pings{Roles: []string{"111", "333"}}},
		{name: "parse everyone", am: &AllowedMentions{Parse: []string{"everyone"}}, want: Pings{Everyone: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Message{Content: content, AllowedMentions: tt.am}.Pings()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Pings (-want +got):\n%s", diff)
			}
		})
	}
}

// Discord refuses parse:["roles"] together with a roles list; so does the fake.
func TestAllowedMentionsExclusive(t *testing.T) {
	t.Parallel()
	tree := &formError{}
	checkAllowedMentions(tree, &AllowedMentions{Parse: []string{"roles"}, Roles: []string{"1"}})
	if tree.empty() {
		t.Error("parse roles with a roles list accepted")
	}
	ok := &formError{}
	checkAllowedMentions(ok, &AllowedMentions{Parse: []string{}, Roles: []string{"1"}})
	if !ok.empty() {
		t.Error("a roles list with an empty parse refused")
	}
}
