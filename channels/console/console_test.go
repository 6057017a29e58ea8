package console

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dinsospmd-bateng/silakso/channels"
)

func TestConsole(t *testing.T) {
	var got []channels.Inbound
	h := channels.HandlerFunc(func(_ context.Context, in channels.Inbound) ([]channels.Outbound, error) {
		got = append(got, in)
		out := []channels.Outbound{{Channel: in.Channel, To: in.From, Text: "echo " + in.Text + "\nline 2"}}
		if in.Text == "push" {
			out = append(out, channels.Outbound{Channel: in.Channel, To: "+6289900000000", Text: "pushed"})
		}
		if in.Text == "fail" {
			return nil, errors.New("boom")
		}
		return out, nil
	})
	var out strings.Builder
	c := &Console{
		Handler: h, In: strings.NewReader("halo\r\n/from 0855\n/from 085211112222\npush\nfail\n/quit\nnot read\n"),
		Out: &out, From: "+6281234567890", Echo: true,
		Normalize: func(s string) (string, error) {
			if len(s) < 10 {
				return "", errors.New("short")
			}
			return "+62" + s[1:], nil
		},
		Now: func() time.Time { return time.Unix(1, 0) },
	}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := `> halo
< echo halo
  line 2
> /from 0855
! not a phone number: "0855" (example: /from 081234567890)
> /from 085211112222
# now writing as +6285211112222
> push
< echo push
  line 2
<+6289900000000> pushed
> fail
! boom
> /quit
`
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if len(got) != 3 || got[0].From != "+6281234567890" || got[1].From != "+6285211112222" {
		t.Fatalf("inbound: %+v", got)
	}
	if got[0].ID == got[1].ID || got[0].Channel != Channel {
		t.Fatalf("ids %q %q", got[0].ID, got[1].ID)
	}
}
