package discord

// ChannelGone lets callers that must not import this package (delivery) recognise a channel
// Herald may no longer post to.
func (e *ChannelError) ChannelGone() bool { return true }
