package delivery

import (
	"context"
	"errors"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
)

// Wake makes a running courier look at the outbox now (LISTEN/NOTIFY calls it when a
// push is queued).
func (c *Courier) Wake() { c.wakeUp() }

func (c *Courier) wakeUp() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// outboxShare is how many outbox messages may be in the courier's hands at once: half
// the senders, so that replies never wait behind a burst of pushes.
func (c *Courier) outboxShare() int { return max(1, c.cfg.Concurrency/2) }

// Run delivers the outbox until ctx is done: it claims due messages as senders free
// up, when woken and at least every Poll. The leases of the messages it holds are
// renewed until Close returns, through the drain after Run. Any number of couriers in
// any number of instances may run on one outbox.
func (c *Courier) Run(ctx context.Context) {
	if c.Outbox == nil {
		return
	}
	c.renewOnce.Do(func() {
		c.renewWG.Add(1)
		go func() { defer c.renewWG.Done(); c.renewLeases(c.renewCtx) }()
	})
	t := time.NewTicker(c.cfg.Poll)
	defer t.Stop()
	for {
		full, err := c.claim(ctx)
		if err != nil && ctx.Err() == nil {
			c.Log.Error("outbox", "err", err)
		}
		if full && err == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-t.C:
		}
	}
}

// claim takes as many due messages as the courier has room for and queues them. full
// reports that it got all it asked for, so more may be waiting.
func (c *Courier) claim(ctx context.Context) (full bool, err error) {
	c.mu.Lock()
	room := c.outboxShare() - len(c.leased)
	closing := c.closing
	c.mu.Unlock()
	if room <= 0 || closing {
		return false, nil
	}
	cctx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
	defer cancel()
	msgs, err := c.Outbox.Claim(cctx, c.Owner, room, c.cfg.Lease, c.Now())
	if err != nil {
		return false, err
	}
	var refused []int64
	for _, m := range msgs {
		it := &item{msg: m, out: channels.Outbound{Channel: m.Channel, To: m.To, Text: m.Text, Key: m.Key}}
		c.mu.Lock()
		if c.leased[m.ID] != nil {
			// Still here, its outcome waiting to be recorded while the database was
			// away longer than its lease: it was sent, it is not sent again.
			c.mu.Unlock()
			continue
		}
		c.leased[m.ID] = it
		c.mu.Unlock()
		if !c.push(it) {
			c.mu.Lock()
			delete(c.leased, m.ID)
			c.mu.Unlock()
			refused = append(refused, m.ID)
		}
	}
	if len(refused) > 0 {
		// Close began meanwhile: the messages go back for the next process.
		rctx, cancel := context.WithTimeout(context.Background(), c.cfg.CallTimeout)
		defer cancel()
		if err := c.Outbox.Release(rctx, c.Owner, refused); err != nil {
			c.Log.Warn("claimed messages not released; they go out after their lease", "messages", len(refused), "err", err)
		}
	}
	return len(msgs) == room, nil
}

// renewLeases extends the leases of the outbox messages held, a third of a lease
// before they run out, until ctx is done. A message whose lease was lost anyway (the
// database was unreachable for longer than a lease) is not sent here: another worker
// has it.
func (c *Courier) renewLeases(ctx context.Context) {
	t := time.NewTicker(c.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c.mu.Lock()
		ids := make([]int64, 0, len(c.leased))
		for id := range c.leased {
			ids = append(ids, id)
		}
		c.mu.Unlock()
		if len(ids) == 0 {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
		held, err := c.Outbox.Extend(cctx, c.Owner, ids, c.Now().Add(c.cfg.Lease))
		cancel()
		if err != nil {
			c.Log.Warn("outbox leases not renewed", "messages", len(ids), "err", err)
			continue
		}
		kept := make(map[int64]bool, len(held))
		for _, id := range held {
			kept[id] = true
		}
		c.mu.Lock()
		for _, id := range ids {
			if it := c.leased[id]; it != nil && !kept[id] {
				it.fenced.Store(true)
			}
		}
		c.mu.Unlock()
	}
}

// Flush delivers every outbox message due now, one after another, and returns how many
// it handled; for silakso chat and tests, which deliver after each message instead of
// running in the background.
func (c *Courier) Flush(ctx context.Context) (int, error) {
	if c.Outbox == nil {
		return 0, nil
	}
	total := 0
	for {
		msgs, err := c.Outbox.Claim(ctx, c.Owner, c.outboxShare(), c.cfg.Lease, c.Now())
		if err != nil {
			return total, err
		}
		if len(msgs) == 0 {
			return total, nil
		}
		for _, m := range msgs {
			// An outbox message is always done after one try: a retry waits in the
			// outbox, not here.
			c.deliver(&item{msg: m, out: channels.Outbound{Channel: m.Channel, To: m.To, Text: m.Text, Key: m.Key}})
			total++
		}
	}
}

// Close stops the courier: no more claims, then the messages held are sent until ctx is
// done; what is left then goes back to the outbox (replies written to it, leases of
// outbox messages released) for the next process. Sends still in flight at that moment
// are cut off and count as not sent, so a resident may, rarely, get one twice; never
// none. Call it after the receiving side has stopped and Run has returned.
func (c *Courier) Close(ctx context.Context) error {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	defer func() {
		c.stopRenewing()
		c.renewWG.Wait()
	}()
	drained := make(chan struct{})
	go func() { c.lanesWG.Wait(); close(drained) }()
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
	}
	c.mu.Lock()
	held := len(c.leased)
	for _, l := range c.lanes {
		held += len(l.items)
	}
	c.mu.Unlock()
	c.Log.Warn("shutdown deadline: messages not sent yet go back to the outbox", "messages", held)
	c.stopSend()
	<-drained
	if held > 0 {
		return errors.New("delivery: stopped with messages unsent; they wait in the outbox")
	}
	return nil
}

var _ channels.Replier = (*Courier)(nil)
