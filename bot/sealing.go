package bot

import (
	"github.com/dinsospmd-bateng/silakso/bot/domain"
	"github.com/dinsospmd-bateng/silakso/store/seal"
)

// What the engine keeps outside the case database (conversations in the session store,
// confirmed intakes parked while the database was down) holds unfinished answers, a
// NIK among them; with a keyring they are sealed like the case database's fields, so a
// Redis snapshot or a copy of the data folder reveals none of them.

// sealSession seals a saved conversation.
func sealSession(k *seal.Keyring, blob []byte) []byte {
	if k == nil {
		return blob
	}
	return []byte(k.Seal(string(blob)))
}

// openSession opens a saved conversation (one saved before sealing opens as it is).
func openSession(k *seal.Keyring, blob []byte) ([]byte, error) {
	s, err := k.Open(string(blob))
	return []byte(s), err
}

// sealFiling seals a parked filing's personal fields.
func sealFiling(k *seal.Keyring, f domain.Filing) domain.Filing {
	k.SealAll(&f.Name, &f.NIK, &f.Address, &f.Description, &f.FilerName)
	return f
}

// openFiling opens what sealFiling sealed.
func openFiling(k *seal.Keyring, f domain.Filing) (domain.Filing, error) {
	err := k.OpenAll(&f.Name, &f.NIK, &f.Address, &f.Description, &f.FilerName)
	return f, err
}
