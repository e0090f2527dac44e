package main

import (
	"github.com/heraldbot/herald/internal/commands"
)

// newRouter attaches every handler to the command definitions.
func newRouter(a *app) *commands.Router {
	defs := commands.Definitions()
	r := commands.NewRouter(defs, commands.RouterOptions{Logger: a.logger})
	topics := topicInfos(a)
	r.On("latest", commands.Latest{Stories: a.store, Topics: topics, Now: a.now}.Handle)
	r.On("help", commands.Help(defs))
	for _, route := range []string{"latest topic", "status topic", "briefing topic", "subscribe digest topic", "subscribe topic topic"} {
		r.OnAutocomplete(route, commands.TopicChoices(topics))
	}
	return r
}

func topicInfos(a *app) []commands.TopicInfo {
	var out []commands.TopicInfo
	for _, t := range a.topics.Topics() {
		out = append(out, commands.TopicInfo{ID: t.ID, Title: t.Title})
	}
	return out
}
