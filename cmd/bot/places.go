package main

import (
	"context"

	"github.com/heraldbot/herald/internal/delivery"
	"github.com/heraldbot/herald/internal/discord"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
)

// withPlaces gives delivery the Discord sender's abilities beyond Send (edits, forum posts,
// threads, crossposts, webhooks) behind the instrumented Send; other senders (the console's)
// only send.
func withPlaces(counted instrumentedSender, sender delivery.Sender) delivery.Sender {
	ds, ok := sender.(*discord.Sender)
	if !ok {
		return counted
	}
	return discordPlaces{instrumentedSender: counted, ds: ds}
}

// discordPlaces adapts *discord.Sender to delivery's optional interfaces.
type discordPlaces struct {
	instrumentedSender
	ds *discord.Sender
}

func (p discordPlaces) Edit(ctx context.Context, channelID, messageID string, m message.Message) error {
	return p.ds.Edit(ctx, channelID, messageID, m)
}

func (p discordPlaces) PostForum(ctx context.Context, forumID, name string, m message.Message) (string, error) {
	return p.ds.PostForum(ctx, forumID, name, m)
}

func (p discordPlaces) StartThread(ctx context.Context, channelID, messageID, name string) error {
	return p.ds.StartThread(ctx, channelID, messageID, name)
}

func (p discordPlaces) Crosspost(ctx context.Context, channelID, messageID string) error {
	return p.ds.Crosspost(ctx, channelID, messageID)
}

func (p discordPlaces) PostWebhook(ctx context.Context, channelID string, wh store.Webhook, forumName string, m message.Message) (string, error) {
	return p.ds.SendWebhook(ctx, channelID, discord.Webhook{ID: wh.ID, Token: wh.Token},
		discord.Identity{Username: wh.Name, AvatarURL: wh.AvatarURL}, forumName, m)
}

func (p discordPlaces) MakeWebhook(ctx context.Context, channelID, name string) (store.Webhook, error) {
	wh, err := p.ds.CreateWebhook(ctx, channelID, name)
	return store.Webhook{ID: wh.ID, Token: wh.Token, Name: name}, err
}

// ChannelType is Discord's type number of a channel, for /subscribe's placement checks.
func (p discordPlaces) ChannelType(ctx context.Context, channelID string) (int, error) {
	return p.ds.ChannelType(ctx, channelID)
}
