package delivery

import "testing"

func TestNonce(t *testing.T) {
	tests := []struct {
		name  string
		a, b  []string
		equal bool
	}{
		{"same post same nonce", []string{"c1", "digest:x", "0"}, []string{"c1", "digest:x", "0"}, true},
		{"other channel", []string{"c1", "digest:x", "0"}, []string{"c2", "digest:x", "0"}, false},
		{"other part of the post", []string{"c1", "digest:x", "0"}, []string{"c1", "digest:x", "1"}, false},
		{"parts are delimited", []string{"c1", "ab", "c"}, []string{"c1", "a", "bc"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			na, nb := Nonce(tc.a[0], tc.a[1:]...), Nonce(tc.b[0], tc.b[1:]...)
			if (na == nb) != tc.equal {
				t.Errorf("Nonce(%q) = %s, Nonce(%q) = %s; equal want %v", tc.a, na, tc.b, nb, tc.equal)
			}
			if len(na) > 25 || len(na) == 0 {
				t.Errorf("nonce %q: Discord takes 1 to 25 characters", na)
			}
		})
	}
}
