//go:build race

package e2e

// raceEnabled builds the bot binary with -race when the tests themselves run under -race.
const raceEnabled = true
