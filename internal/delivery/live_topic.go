package delivery

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/heraldbot/herald/internal/briefing"
	"github.com/heraldbot/herald/internal/message"
	"github.com/heraldbot/herald/internal/store"
	"github.com/heraldbot/herald/internal/story"
)

// Editor is implemented by senders that can edit a message they posted (Discord's PATCH).
// Without it, every development is a new post.
type Editor interface {
	Edit(ctx context.Context, channelID, messageID string, m message.Message) error
}

// messageGone is implemented by editor errors meaning the message was deleted.
type messageGone interface{ MessageGone() bool }

// maxLivePosts bounds the live posts a topic subscription remembers (within the max age).
const maxLivePosts = 50

// developments is one delivery's plan for a topic subscription: edits of earlier posts that
// gained outlets, and new developments to post.
type developments struct {
	known  map[string]story.Story // every story the plan renders, by ID
	posts  []store.LivePost       // the subscription's live posts, with new members added
	edited map[[2]int][]string    // {post, development} → IDs added to it
	fresh  [][]string             // new developments, oldest first
	style  style                  // the subscription's layout and mention
}

// deliverDevelopments posts a topic subscription's claimed stories one embed per development:
// a story reporting a development already posted (another outlet, or the same article under
// a new GUID) edits that post, within Discord's limits, instead of posting again.
func (l *Live) deliverDevelopments(ctx context.Context, sub store.Subscription, stories []story.Story, more int, why string) {
	// The copy in hand may predate a delivery made since (OnNew delivers a catch-up and then
	// the live stories): plan from the stored live posts, or the earlier ones would be lost.
	if cur, err := l.d.store.ListSubscriptions(ctx, store.SubscriptionFilter{ChannelID: sub.ChannelID, Kind: sub.Kind}); err == nil {
		for _, c := range cur {
			if c.ID == sub.ID {
				sub.LivePosts = c.LivePosts
			}
		}
	}
	plan, err := l.plan(ctx, sub, stories)
	if err != nil {
		l.opts.Logger.Warn("delivery: planning live developments; posting them one by one", "subscription_id", sub.ID, "error", err)
		plan = freshPlan(stories, sub.LivePosts)
	}
	plan.style = l.styleOf(ctx, sub)
	editor, _ := l.d.sender.(Editor)
	byPost := map[int]map[int][]string{}
	for at, added := range plan.edited {
		if byPost[at[0]] == nil {
			byPost[at[0]] = map[int][]string{}
		}
		byPost[at[0]][at[1]] = added
	}
	for _, i := range slices.Sorted(maps.Keys(byPost)) {
		if editor == nil || !l.edit(ctx, editor, sub, &plan, i, byPost[i]) {
			for _, added := range byPost[i] {
				plan.fresh = append(plan.fresh, added)
			}
		}
	}
	posted, err := l.postFresh(ctx, sub, &plan, more, why)
	plan.posts = append(plan.posts, posted...)
	l.remember(ctx, sub, plan.posts)
	if err != nil {
		l.failed(ctx, sub, err)
		return
	}
	l.advance(ctx, sub, stories[len(stories)-1].Published)
}

// plan clusters the new stories with those of the subscription's recent posts.
func (l *Live) plan(ctx context.Context, sub store.Subscription, stories []story.Story) (developments, error) {
	cutoff := l.opts.Now().Add(-l.opts.Rule.maxAge())
	p := developments{known: map[string]story.Story{}, edited: map[[2]int][]string{}}
	var priorIDs []string
	for _, lp := range sub.LivePosts {
		if lp.At.Before(cutoff) {
			continue
		}
		p.posts = append(p.posts, cloneLivePost(lp))
		for _, dev := range lp.Developments {
			priorIDs = append(priorIDs, dev...)
		}
	}
	prior, err := l.d.store.GetStories(ctx, priorIDs)
	if err != nil {
		return developments{}, fmt.Errorf("delivery: reading earlier live posts: %w", err)
	}
	all := append(slices.Clone(prior), stories...)
	for _, s := range all {
		p.known[s.ID] = s
	}
	for _, group := range briefing.Cluster(all) {
		var added []string
		at := [2]int{-1, -1}
		for _, k := range group {
			if k >= len(prior) {
				added = append(added, all[k].ID)
			} else if at[0] < 0 {
				at = p.locate(all[k].ID)
			}
		}
		switch {
		case len(added) == 0:
		case at[0] >= 0:
			p.edited[at] = append(p.edited[at], added...)
		default:
			p.fresh = append(p.fresh, added)
		}
	}
	return p, nil
}

// freshPlan posts every story as its own development (no earlier posts could be read).
func freshPlan(stories []story.Story, posts []store.LivePost) developments {
	p := developments{known: map[string]story.Story{}, edited: map[[2]int][]string{}}
	for _, lp := range posts {
		p.posts = append(p.posts, cloneLivePost(lp))
	}
	for _, s := range stories {
		p.known[s.ID] = s
		p.fresh = append(p.fresh, []string{s.ID})
	}
	return p
}

// locate finds the post and development holding story id, or {-1, -1}.
func (p *developments) locate(id string) [2]int {
	for i, lp := range p.posts {
		for d, dev := range lp.Developments {
			if slices.Contains(dev, id) {
				return [2]int{i, d}
			}
		}
	}
	return [2]int{-1, -1}
}

// edit adds the stories added to post i's development and edits the message; false when the
// edit could not be made (over Discord's limits, message deleted, failed), so the caller
// posts them as a new development instead. Stories whose edit changes nothing visible (the
// same outlet again, a re-keyed item) are confirmed without an edit.
func (l *Live) edit(ctx context.Context, editor Editor, sub store.Subscription, p *developments, i int, byDev map[int][]string) bool {
	lp := &p.posts[i]
	before := p.render(*lp, l.opts.Now())
	var added []string
	for d, ids := range byDev {
		lp.Developments[d] = append(lp.Developments[d], ids...)
		added = append(added, ids...)
	}
	// An edit replaces the content: the mention stays as written (Discord never pings on edits).
	after := p.style.withMention(p.render(*lp, l.opts.Now()), p.stories(*lp))
	if message.Validate(after) != nil {
		removeIDs(lp, added) // the grown post would break Discord's limits: a new post instead
		return false
	}
	if !sameEmbeds(before, after) {
		where := sub.ChannelID
		if lp.ChannelID != "" {
			where = lp.ChannelID // a forum post
		}
		if err := editor.Edit(ctx, where, lp.MessageID, after); err != nil {
			l.opts.Logger.Info("delivery: live post edit failed; posting the development anew", "channel_id", where, "message_id", lp.MessageID, "error", err)
			var gone messageGone
			if errors.As(err, &gone) && gone.MessageGone() {
				lp.At = time.Time{} // forgotten at the next save
			}
			removeIDs(lp, added)
			return false
		}
	}
	if err := l.d.store.Confirm(ctx, sub.ChannelID, added); err != nil {
		l.opts.Logger.Warn("delivery: confirm failed", "channel_id", sub.ChannelID, "error", err)
	}
	return true
}

// stories are the known stories a live post shows.
func (p *developments) stories(lp store.LivePost) []story.Story {
	var out []story.Story
	for _, dev := range lp.Developments {
		for _, id := range dev {
			if s, ok := p.known[id]; ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// render is a live post's message: one embed per development.
func (p *developments) render(lp store.LivePost, now time.Time) message.Message {
	var m message.Message
	for _, dev := range lp.Developments {
		members := make([]story.Story, 0, len(dev))
		for _, id := range dev {
			if s, ok := p.known[id]; ok {
				members = append(members, s)
			}
		}
		if len(members) > 0 {
			topic, status := p.style.topicOf(members[0])
			m.Embeds = append(m.Embeds, p.style.tmpl.Development(members, topic, status, now))
		}
	}
	return m
}

// postFresh posts the new developments, ≤10 embeds and ≤6000 characters a message, oldest
// first, the "and N more" line on the last; it returns the posts made (to remember) and the
// first error, after releasing what was not posted. Where the subscription asks for a forum post
// or a thread per story, each development is a message of its own, named by its first report.
func (l *Live) postFresh(ctx context.Context, sub store.Subscription, p *developments, more int, why string) ([]store.LivePost, error) {
	batches := p.batches(l.opts.Now(), p.style.place.onePerStory())
	if more > 0 && len(batches) == 0 {
		batches = []store.LivePost{{}}
	}
	var out []store.LivePost
	for b, lp := range batches {
		m := p.render(lp, l.opts.Now())
		var batchIDs []string
		for _, dev := range lp.Developments {
			batchIDs = append(batchIDs, dev...)
		}
		m = p.style.withMention(m, p.stories(lp))
		if b == len(batches)-1 && more > 0 {
			m.Content = strings.TrimSpace(m.Content + "\n" + fmt.Sprintf("…and %d more older stories %s.", more, why))
		}
		place := p.style.place
		if len(lp.Developments) > 0 {
			place.name = p.known[lp.Developments[0][0]].Title
		}
		id, err := l.d.post(ctx, sub.ChannelID, post{msg: m, place: place}, Nonce(sub.ChannelID, append([]string{"live"}, batchIDs...)...))
		if err != nil {
			var rest []string
			for _, later := range batches[b:] {
				for _, dev := range later.Developments {
					rest = append(rest, dev...)
				}
			}
			l.d.release(ctx, sub.ChannelID, []post{{ids: rest}})
			return out, fmt.Errorf("delivery: channel %s: %w", sub.ChannelID, err)
		}
		if err := l.d.store.Confirm(ctx, sub.ChannelID, batchIDs); err != nil && len(batchIDs) > 0 {
			l.opts.Logger.Warn("delivery: confirm failed", "channel_id", sub.ChannelID, "error", err)
		}
		if len(lp.Developments) > 0 {
			lp.MessageID, lp.At = id, l.opts.Now()
			if place.forum { // a forum post's first message lives in the post (thread), sharing its id
				lp.ChannelID = id
			}
			out = append(out, lp)
		}
	}
	return out, nil
}

// batches packs the fresh developments into messages within Discord's limits; alone puts each
// in a message of its own (a forum post or thread per development).
func (p *developments) batches(now time.Time, alone bool) []store.LivePost {
	slices.SortStableFunc(p.fresh, func(a, b []string) int {
		return p.known[a[0]].Published.Compare(p.known[b[0]].Published)
	})
	var out []store.LivePost
	var cur store.LivePost
	size := 0
	for _, dev := range p.fresh {
		n := p.render(store.LivePost{Developments: [][]string{dev}}, now).Embeds[0].Len()
		full := len(cur.Developments) == message.MaxEmbeds || (alone && len(cur.Developments) == 1)
		if full || (len(cur.Developments) > 0 && size+n > message.MaxEmbedTotal) {
			out, cur, size = append(out, cur), store.LivePost{}, 0
		}
		cur.Developments = append(cur.Developments, dev)
		size += n
	}
	if len(cur.Developments) > 0 {
		out = append(out, cur)
	}
	return out
}

// remember saves the subscription's live posts: those within the max age, the newest
// maxLivePosts.
func (l *Live) remember(ctx context.Context, sub store.Subscription, posts []store.LivePost) {
	cutoff := l.opts.Now().Add(-l.opts.Rule.maxAge())
	var keep []store.LivePost
	for _, lp := range posts {
		if lp.MessageID != "" && !lp.At.Before(cutoff) {
			keep = append(keep, lp)
		}
	}
	if len(keep) > maxLivePosts {
		keep = keep[len(keep)-maxLivePosts:]
	}
	if _, err := l.d.patchSub(ctx, sub, func(s *store.Subscription) { s.LivePosts = keep }); err != nil {
		l.opts.Logger.Warn("delivery: recording live posts", "subscription_id", sub.ID, "error", err)
	}
}

func cloneLivePost(lp store.LivePost) store.LivePost {
	out := lp
	out.Developments = make([][]string, len(lp.Developments))
	for i, d := range lp.Developments {
		out.Developments[i] = slices.Clone(d)
	}
	return out
}

func removeIDs(lp *store.LivePost, drop []string) {
	for i, dev := range lp.Developments {
		lp.Developments[i] = slices.DeleteFunc(dev, func(id string) bool { return slices.Contains(drop, id) })
	}
}

func sameEmbeds(a, b message.Message) bool {
	return slices.EqualFunc(a.Embeds, b.Embeds, func(x, y message.Embed) bool {
		return x.Title == y.Title && x.Description == y.Description && x.URL == y.URL && x.Footer == y.Footer
	})
}
