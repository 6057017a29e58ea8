package bottest

// Replies is how many messages resident i receives after each message of Script(i):
// one, except two after YA when they have no NIK (the ticket, then how the officer will
// help with the NIK). A test in package bot checks it against the real engine; the load
// command waits for exactly these before the resident writes again.
func Replies(i int) []int {
	s := Script(i)
	n := make([]int, len(s))
	for k := range n {
		n[k] = 1
	}
	if i%10 == 0 { // Script answers the NIK question with 0
		n[len(n)-1] = 2
	}
	return n
}
