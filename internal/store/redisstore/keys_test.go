package redisstore

import (
	"strings"
	"testing"
)

// hashTag returns the part of key Redis Cluster hashes: the first {...} when non-empty.
func hashTag(key string) string {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return key
	}
	end := strings.IndexByte(key[open+1:], '}')
	if end <= 0 {
		return key
	}
	return key[open+1 : open+1+end]
}

// TestKeysShareHashTags checks that the keys each script touches together hash to one slot
// on Redis Cluster, and that every key lives under the prefix.
func TestKeysShareHashTags(t *testing.T) {
	k := keys{prefix: "herald:"}
	groups := []struct {
		name string
		keys []string
	}{
		{"one channel's seen table, buckets and leases", []string{k.seenTable("123"), k.seenBucket("123", 0), k.seenBucket("123", 0xfff), k.seenLeases("123")}},
		{"stories", []string{k.storyRecords(), k.storyByTime(), k.storyByFeed("https://a.example/{x}"), k.storyByTopic("gaza")}},
		{"subscriptions", []string{k.subRecords(), k.subTargets(), k.subSeq(), k.subAll(), k.subByGuild("g"), k.subGuildByTime("g"), k.subByChannel("c")}},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			tag := hashTag(g.keys[0])
			if tag == g.keys[0] {
				t.Fatalf("%s has no hash tag", g.keys[0])
			}
			for _, key := range g.keys {
				if got := hashTag(key); got != tag {
					t.Errorf("%s hashes on %q, want %q", key, got, tag)
				}
				if !strings.HasPrefix(key, "herald:") {
					t.Errorf("%s is outside the prefix", key)
				}
			}
		})
	}
	if hashTag(k.seenTable("1")) == hashTag(k.seenTable("2")) {
		t.Error("two channels share a hash tag: they should spread over the cluster")
	}
}
