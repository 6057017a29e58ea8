package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mdp/qrterminal/v3"
	"go.mau.fi/whatsmeow"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"

	"github.com/dinsospmd-bateng/silakso/channels"
	"github.com/dinsospmd-bateng/silakso/channels/whatsapp"
	"github.com/dinsospmd-bateng/silakso/dialogs"
)

const whatsappUsage = `usage:
  silakso whatsapp link [--phone <office number>]   link the office's WhatsApp number (QR code, or a pairing code with --phone)
  silakso whatsapp status                           show the linked number
  silakso whatsapp unlink                           log the device out and forget its keys`

// linkTimeout bounds how long link waits for someone to scan the code.
const linkTimeout = 5 * time.Minute

// runWhatsApp manages the linked device of the direct WhatsApp channel.
func runWhatsApp(ctx context.Context, env func(string) string, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New(whatsappUsage)}
	}
	verb, args := args[0], args[1:]
	fs := flag.NewFlagSet("whatsapp "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	phone := fs.String("phone", "", "link with a pairing code typed on this phone instead of a QR code")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig(env, slog.LevelWarn)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	client, devices, err := openWhatsApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer devices.Close()
	switch verb {
	case "status":
		if client.Store.ID == nil {
			fmt.Fprintln(stdout, "not linked: run silakso whatsapp link")
			return nil
		}
		fmt.Fprintf(stdout, "linked to %s (device %d)\n", channels.MaskPhone("+"+client.Store.ID.User), client.Store.ID.Device)
		return nil
	case "link":
		return linkWhatsApp(ctx, client, *phone, stdout)
	case "unlink":
		if client.Store.ID == nil {
			fmt.Fprintln(stdout, "not linked")
			return nil
		}
		ctx, cancel := context.WithTimeout(ctx, startupTimeout)
		defer cancel()
		// Log out at WhatsApp when it can be reached, so the phone's list of linked
		// devices is right; forget the keys in any case.
		if err := client.Connect(); err == nil {
			if err := client.Logout(ctx); err == nil {
				fmt.Fprintln(stdout, "unlinked")
				return nil
			}
			client.Disconnect()
		}
		if err := client.Store.Delete(ctx); err != nil {
			return fmt.Errorf("forget the device: %v", err)
		}
		fmt.Fprintln(stdout, "keys deleted; WhatsApp was not reachable, so also remove the device on the phone (Linked devices)")
		return nil
	}
	return usageError{errors.New(whatsappUsage)}
}

// openWhatsApp opens the device tables and makes a client for the linked device (or
// for a new one, not yet linked).
func openWhatsApp(ctx context.Context, cfg config, log *slog.Logger) (*whatsmeow.Client, *sqlstore.Container, error) {
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	wlog := log.With("component", "whatsmeow")
	if path, ok := strings.CutPrefix(cfg.WhatsAppStore, "sqlite:"); ok {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, nil, fmt.Errorf("create the data folder: %w (set SILAKSO_DATA_DIR to a writable folder)", err)
		}
	}
	devices, err := whatsapp.OpenDevices(ctx, cfg.WhatsAppStore, whatsapp.Logger(wlog))
	if err != nil {
		return nil, nil, fmt.Errorf("WhatsApp device store %s: %v", redact(cfg.WhatsAppStore), oneLine(err))
	}
	device, err := devices.GetFirstDevice(ctx)
	if err != nil {
		devices.Close()
		return nil, nil, fmt.Errorf("WhatsApp device store: %v", oneLine(err))
	}
	// The name the office sees under Linked devices on its phone.
	wastore.SetOSInfo("SILAKSO", [3]uint32{1, 0, 0})
	return whatsmeow.NewClient(device, whatsapp.Logger(wlog)), devices, nil
}

// linkWhatsApp links the office's number: a QR code to scan under Linked devices, or
// with --phone a code to type there.
func linkWhatsApp(ctx context.Context, client *whatsmeow.Client, phone string, stdout io.Writer) error {
	if client.Store.ID != nil {
		return fmt.Errorf("already linked to %s: run silakso whatsapp unlink first", channels.MaskPhone("+"+client.Store.ID.User))
	}
	if phone != "" {
		e164, err := dialogs.ParsePhone(phone)
		if err != nil {
			return usageError{fmt.Errorf("--phone %q: %v", phone, err)}
		}
		phone = e164[1:]
	}
	ctx, cancel := context.WithTimeout(ctx, linkTimeout)
	defer cancel()
	codes, err := client.GetQRChannel(ctx)
	if err != nil {
		return err
	}
	if err := client.Connect(); err != nil {
		return fmt.Errorf("cannot reach WhatsApp: %v", oneLine(err))
	}
	defer client.Disconnect()
	asked := false
	for item := range codes {
		switch item.Event {
		case whatsmeow.QRChannelEventCode:
			if phone == "" {
				fmt.Fprintln(stdout, "On the office phone: WhatsApp > Linked devices > Link a device, and scan:")
				qrterminal.GenerateHalfBlock(item.Code, qrterminal.L, stdout)
			} else if !asked {
				asked = true
				code, err := client.PairPhone(ctx, phone, true, whatsmeow.PairClientChrome, "Chrome (Linux)")
				if err != nil {
					return fmt.Errorf("pairing code: %v", oneLine(err))
				}
				fmt.Fprintf(stdout, "On the office phone: WhatsApp > Linked devices > Link a device > Link with phone number, and type: %s\n", code)
			}
		case whatsmeow.QRChannelSuccess.Event:
			fmt.Fprintf(stdout, "linked to %s; start silakso serve with SILAKSO_WHATSAPP=on\n", channels.MaskPhone("+"+client.Store.ID.User))
			return nil
		case whatsmeow.QRChannelTimeout.Event:
			return errors.New("no phone linked within the time the codes are valid: run the command again")
		case whatsmeow.QRChannelEventError:
			return fmt.Errorf("linking failed: %v", item.Error)
		default:
			return fmt.Errorf("linking failed: %s", item.Event)
		}
	}
	return errors.New("linking was interrupted: run the command again")
}
