package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/dinsospmd-bateng/silakso/bot/bottest"
)

// newRunID tags this run's message ids and phone numbers, so that its cases can be
// counted apart from earlier runs.
func newRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// messageSID is a Twilio-shaped id (SM + 32 hex digits) carrying the run, the resident
// and the message number (a message written again gets a new number).
func messageSID(run string, resident, k int) string {
	return fmt.Sprintf("SM%s%016x%08x", run, resident, k)
}

// phone gives each resident of a run their own number: +62 899 then 9 digits.
func phone(run string, resident int) string {
	var n uint32
	fmt.Sscanf(run[:4], "%x", &n)
	return fmt.Sprintf("+62899%04d%05d", n%10000, resident%100000)
}

// script is a resident's complete intake (the same varied scripts the tests use), and
// replies how many messages each of its steps brings back.
var (
	script  = bottest.Script
	replies = bottest.Replies
)
