package bot

import (
	"sync"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
)

// unsureCommits remembers the replies of turns whose commit failed without saying
// whether it was saved: a session store that stalled may run the commit after the call
// gave up. The message then counts as not processed and the provider delivers it again;
// if that delivery finds the message processed after all (the late commit landed), the
// replies kept here are its answer, instead of nothing. A delivery that runs the turn
// afresh forgets them.
type unsureCommits struct {
	mu      sync.Mutex
	replies map[string]unsure
}

type unsure struct {
	out []channels.Outbound
	at  time.Time
}

// Kept this long, for this many messages at most: providers deliver again within
// seconds (Twilio within 15 s).
const (
	unsureKeep = 5 * time.Minute
	unsureMax  = 10_000
)

func (u *unsureCommits) remember(key string, out []channels.Outbound, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.replies == nil {
		u.replies = map[string]unsure{}
	}
	if len(u.replies) >= unsureMax {
		for k, v := range u.replies {
			if now.Sub(v.at) > unsureKeep {
				delete(u.replies, k)
			}
		}
		if len(u.replies) >= unsureMax {
			return
		}
	}
	u.replies[key] = unsure{out, now}
}

// take returns and forgets the replies kept for key, if any are recent.
func (u *unsureCommits) take(key string, now time.Time) []channels.Outbound {
	u.mu.Lock()
	defer u.mu.Unlock()
	v, ok := u.replies[key]
	delete(u.replies, key)
	if !ok || now.Sub(v.at) > unsureKeep {
		return nil
	}
	return v.out
}
