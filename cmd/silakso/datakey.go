package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dinsospmd-bateng/silakso/store/seal"
)

// keyFileName is where the embedded mode keeps the data key it made, in the data folder.
const keyFileName = "data.key"

// readDataKeys reads SILAKSO_DATA_KEY (or the file SILAKSO_DATA_KEY_FILE names) and the
// keys of SILAKSO_DATA_OLD_KEYS, each 32 random bytes in base64. No key is not an
// error here: the embedded mode makes one (dataKeyring).
func readDataKeys(env func(string) string) (current []byte, old [][]byte, err error) {
	text, name := env("SILAKSO_DATA_KEY"), "SILAKSO_DATA_KEY"
	if path := env("SILAKSO_DATA_KEY_FILE"); path != "" {
		if text != "" {
			return nil, nil, errors.New("set SILAKSO_DATA_KEY or SILAKSO_DATA_KEY_FILE, not both")
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("SILAKSO_DATA_KEY_FILE: %v", err)
		}
		text, name = string(b), "SILAKSO_DATA_KEY_FILE "+path
		if strings.TrimSpace(text) == "" {
			return nil, nil, fmt.Errorf("SILAKSO_DATA_KEY_FILE %s is empty: it must hold the data key in base64", path)
		}
	}
	if text != "" {
		if current, err = decodeKey(name, text); err != nil {
			return nil, nil, err
		}
	}
	for _, t := range strings.Split(env("SILAKSO_DATA_OLD_KEYS"), ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		k, err := decodeKey("SILAKSO_DATA_OLD_KEYS", t)
		if err != nil {
			return nil, nil, err
		}
		old = append(old, k)
	}
	return current, old, nil
}

func decodeKey(name, text string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(k) != seal.KeySize {
		return nil, fmt.Errorf("%s: not a data key (32 random bytes in base64; make one with: head -c 32 /dev/urandom | base64)", name)
	}
	return k, nil
}

// dataKeyring is the keyring the case database is sealed with. Without a configured
// key, the embedded mode uses the one in its data folder, made on first start and
// readable by the owner only, so that the first command of the README needs no set-up;
// PostgreSQL, which serves real offices, refuses to run without one.
func dataKeyring(c config) (*seal.Keyring, error) {
	current := c.DataKey
	if current == nil {
		if !strings.HasPrefix(c.DatabaseURL, "sqlite:") {
			return nil, errors.New("SILAKSO_DATA_KEY is not set: residents' data is sealed with it; make one with: head -c 32 /dev/urandom | base64 (keep it apart from the database and its backups)")
		}
		k, err := embeddedKey(filepath.Dir(strings.TrimPrefix(c.DatabaseURL, "sqlite:")))
		if err != nil {
			return nil, err
		}
		current = k
	}
	return seal.New(current, c.OldDataKeys...)
}

// embeddedKey reads the data folder's key, making it on first use.
func embeddedKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, keyFileName)
	b, err := os.ReadFile(path)
	if err == nil {
		return decodeKey(path, string(b))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("data key %s: %v", path, err)
	}
	k, err := seal.NewKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the data folder: %w (set SILAKSO_DATA_DIR to a writable folder)", err)
	}
	// O_EXCL: two commands starting at once on a new folder must not make two keys.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return embeddedKey(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("data key %s: %v", path, err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("data key %s: %v", path, err)
	}
	return k, f.Close()
}
