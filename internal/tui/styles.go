package tui

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Styles colour the view. Only short cells are styled: lipgloss rendering
// is the expensive part of a frame, so layout is done with plain padding.
type Styles struct {
	Header, Selected, Dim, Bar, Title lipgloss.Style
	// Status colours a status cell by status.
	Status map[string]lipgloss.Style
}

// NewStyles builds the colour styles on r (whose colour profile decides the
// escape codes; tests pin it).
func NewStyles(r *lipgloss.Renderer) Styles {
	return Styles{
		Header:   r.NewStyle().Bold(true),
		Selected: r.NewStyle().Reverse(true),
		Dim:      r.NewStyle().Faint(true),
		Bar:      r.NewStyle().Foreground(lipgloss.Color("6")),
		Title:    r.NewStyle().Bold(true).Foreground(lipgloss.Color("5")),
		Status: map[string]lipgloss.Style{
			StatusPending:    r.NewStyle().Foreground(lipgloss.Color("3")),
			StatusInProgress: r.NewStyle().Foreground(lipgloss.Color("4")),
			StatusSucceeded:  r.NewStyle().Foreground(lipgloss.Color("2")),
			StatusFailed:     r.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		},
	}
}

// PlainStyles draws no colour at all (NO_COLOR, tests of layout).
func PlainStyles() Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return NewStyles(r)
}

// ANSIStyles draws with the 16 basic colours whatever the terminal says;
// golden tests use it so their escape codes never depend on the machine.
func ANSIStyles() Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI)
	return NewStyles(r)
}
