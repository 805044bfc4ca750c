// Package bot is the domain of workshopbot: the workshop program (schedule.yaml),
// the posters (posters.csv), the reminders that follow from them, and the commands
// attendees and moderators send.
//
// It never imports a transport or a database: Discord, the console and SQLite live
// in sub-packages that implement the small interfaces declared here (Transport,
// Store). It never reads the wall clock either: time comes from a Clock, so the same
// code runs a live event, a fast rehearsal and a test.
package bot
