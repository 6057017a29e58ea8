package smsgate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Client calls the gateway's HTTP API: the same paths on the phone's local server, a
// private server and the cloud (only the base differs). It is small enough to write
// here; the project's own Go client (android-sms-gateway/client-go) is not served by
// the module proxy we build with.
type Client struct {
	base  string
	cfg   Config
	http  *http.Client
	agent string
}

// NewClient makes a client for cfg.URL.
func NewClient(cfg Config) (*Client, error) {
	cfg = cfg.WithDefaults()
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("SMSGATE_URL=%q: use the gateway's address, e.g. http://192.168.1.20:8080 (the phone) or https://api.sms-gate.app/3rdparty/v1", cfg.URL)
	}
	pooled := http.DefaultTransport.(*http.Transport).Clone()
	pooled.MaxIdleConnsPerHost = 16
	return &Client{
		base: strings.TrimSuffix(cfg.URL, "/"), cfg: cfg, agent: "silakso",
		http: &http.Client{
			Timeout: cfg.HTTPTimeout, Transport: pooled,
			// The gateway answers directly; a redirect would be a misconfigured proxy,
			// and following it would send the credentials elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// APIError is an answer other than the one expected, with the gateway's message.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("smsgate: HTTP %d", e.Status)
	}
	return fmt.Sprintf("smsgate: HTTP %d: %s", e.Status, e.Message)
}

// do sends a JSON request and decodes a JSON answer into out (if not nil) when the
// status is one of ok; any other status is an *APIError.
func (c *Client) do(ctx context.Context, method, path string, in, out any, ok ...int) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.agent)
	if c.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	} else {
		req.SetBasicAuth(c.cfg.User, c.cfg.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	for _, code := range ok {
		if resp.StatusCode == code {
			if out == nil {
				// The status is the answer; a body cut short changes nothing.
				return resp.StatusCode, nil
			}
			if err != nil {
				return resp.StatusCode, err
			}
			if len(raw) > 0 {
				if err := json.Unmarshal(raw, out); err != nil {
					return resp.StatusCode, fmt.Errorf("smsgate: answer of %s %s: %w", method, path, err)
				}
			}
			return resp.StatusCode, nil
		}
	}
	if err != nil {
		return resp.StatusCode, err
	}
	var e struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(raw, &e)
	if e.Message == "" && resp.StatusCode != http.StatusNotFound {
		e.Message = strings.TrimSpace(string(raw[:min(len(raw), 200)]))
	}
	return resp.StatusCode, &APIError{Status: resp.StatusCode, Message: e.Message}
}

// message is the send API's request.
type message struct {
	ID                 string       `json:"id"`
	TextMessage        *textMessage `json:"textMessage"`
	PhoneNumbers       []string     `json:"phoneNumbers"`
	WithDeliveryReport bool         `json:"withDeliveryReport"`
	DeviceID           string       `json:"deviceId,omitempty"`
	SimNumber          int          `json:"simNumber,omitempty"`
}

type textMessage struct {
	Text string `json:"text"`
}

// Hook is one webhook registration: the gateway posts event to URL.
type Hook struct {
	ID       string `json:"id,omitempty"`
	URL      string `json:"url"`
	Event    string `json:"event"`
	DeviceID string `json:"deviceId,omitempty"`
}

// Hooks lists the registered webhooks.
func (c *Client) Hooks(ctx context.Context) ([]Hook, error) {
	var hooks []Hook
	_, err := c.do(ctx, http.MethodGet, "/webhooks", nil, &hooks, http.StatusOK)
	return hooks, err
}

// RegisterHook adds h, or replaces the webhook with its id.
func (c *Client) RegisterHook(ctx context.Context, h Hook) error {
	_, err := c.do(ctx, http.MethodPost, "/webhooks", h, nil, http.StatusCreated, http.StatusOK)
	return err
}

// DeleteHook removes a webhook registration.
func (c *Client) DeleteHook(ctx context.Context, id string) error {
	_, err := c.do(ctx, http.MethodDelete, "/webhooks/"+url.PathEscape(id), nil, nil, http.StatusNoContent, http.StatusOK, http.StatusNotFound)
	return err
}

// HookID is the id SILAKSO registers event under, so that registering again
// replaces its webhooks instead of adding more.
func HookID(event string) string {
	return "silakso-" + strings.NewReplacer(":", "-").Replace(event)
}
