// Package discord is Herald's Discord transport: the gateway session, the HTTP interactions
// endpoint, slash-command registration and the single rate-limited queue every outgoing
// message goes through. It converts between Discord's wire types and the platform-neutral
// commands and message packages, so nothing above it imports discordgo.
package discord

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// DefaultAPIBase is Discord's production origin; SetAPIBase(DefaultAPIBase) restores it.
const DefaultAPIBase = "https://discord.com/"

// SetAPIBase points every discordgo endpoint at base (an origin such as
// "http://127.0.0.1:8080", optionally with a path prefix) instead of https://discord.com/.
//
// This mutates discordgo's package variables, which is unavoidable: discordgo v0.29 computes
// its endpoint strings once at start-up (EndpointAPI, EndpointChannels, …) and offers no
// per-Session base URL, so the only way to reach a fake Discord in tests or a REST proxy
// (nirn-proxy) in production is to reassign each of them. The func-valued endpoints
// (EndpointChannelMessages, EndpointInteractionResponse, …) read these strings at call time,
// so reassigning the strings moves them too. Call it once from main before any Session is
// created, never concurrently with requests.
func SetAPIBase(base string) error {
	root, err := apiRoot(base)
	if err != nil {
		return err
	}
	api := root + "api/v" + discordgo.APIVersion + "/"

	discordgo.EndpointDiscord = root
	discordgo.EndpointAPI = api
	discordgo.EndpointGuilds = api + "guilds/"
	discordgo.EndpointChannels = api + "channels/"
	discordgo.EndpointUsers = api + "users/"
	discordgo.EndpointGateway = api + "gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	discordgo.EndpointWebhooks = api + "webhooks/"
	discordgo.EndpointStickers = api + "stickers/"
	discordgo.EndpointStageInstances = api + "stage-instances"
	discordgo.EndpointSKUs = api + "skus"
	discordgo.EndpointVoice = api + "/voice/"
	discordgo.EndpointVoiceRegions = discordgo.EndpointVoice + "regions"
	discordgo.EndpointNitroStickersPacks = api + "/sticker-packs"
	discordgo.EndpointGuildCreate = api + "guilds"
	discordgo.EndpointApplications = api + "applications"
	discordgo.EndpointOAuth2 = api + "oauth2/"
	discordgo.EndpointOAuth2Applications = discordgo.EndpointOAuth2 + "applications"
	discordgo.EndpointOauth2 = discordgo.EndpointOAuth2
	discordgo.EndpointOauth2Applications = discordgo.EndpointOAuth2Applications
	setCDNBase(cdnBase(root))
	return nil
}

// apiRoot checks base is an absolute URL and returns it ending in one slash.
func apiRoot(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("discord: invalid API base %q: must be an absolute URL", base)
	}
	return strings.TrimRight(base, "/") + "/", nil
}

// cdnBase keeps the production CDN when the API is production, and serves the CDN from the
// same fake origin otherwise, so a test never reaches the internet for an avatar URL.
func cdnBase(root string) string {
	if root == DefaultAPIBase {
		return "https://cdn.discordapp.com/"
	}
	return root + "cdn/"
}

func setCDNBase(cdn string) {
	discordgo.EndpointCDN = cdn
	discordgo.EndpointCDNAttachments = cdn + "attachments/"
	discordgo.EndpointCDNAvatars = cdn + "avatars/"
	discordgo.EndpointCDNIcons = cdn + "icons/"
	discordgo.EndpointCDNSplashes = cdn + "splashes/"
	discordgo.EndpointCDNChannelIcons = cdn + "channel-icons/"
	discordgo.EndpointCDNBanners = cdn + "banners/"
	discordgo.EndpointCDNGuilds = cdn + "guilds/"
	discordgo.EndpointCDNRoleIcons = cdn + "role-icons/"
}
