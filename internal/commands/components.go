package commands

import "time"

// ComponentLifetime is how long Herald's buttons work: a page of /latest is news for minutes,
// and an old button answered with a fresh page would surprise; after it, the button says to
// run the command again.
const ComponentLifetime = 15 * time.Minute

// SelectedOption is the option a select menu's chosen value arrives in.
const SelectedOption = "selected"
