// Package architecture holds no code: its test checks the map in docs/architecture.md
// against the module — every package is described there, and no domain package depends,
// even indirectly, on discordgo, go-redis or bbolt.
package architecture
