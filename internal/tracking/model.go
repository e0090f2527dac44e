package tracking

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"path"
)

// models holds the trained headline readers a topic can name (status.model in topics.yaml),
// shipped inside the binary: no service, no download at run time. They are written by
// `go test ./internal/tracking -run TestTrainModel -update` from the hand labels.
//
//go:embed models/*.json
var models embed.FS

// model is a multinomial logistic regression over headline features: P(kind | headline) is
// the softmax of each kind's bias plus the weights of the headline's features.
type model struct {
	Name    string   `json:"name"`
	Classes []string `json:"classes"`
	// Features name the weight rows; Weights[i][c] is feature i's weight for class c.
	Features []string    `json:"features"`
	Weights  [][]float64 `json:"weights"`
	Bias     []float64   `json:"bias"`
	// Decide holds the thresholds that combine the model with the topic's cues (see decide),
	// chosen by cross-validation on the development labels.
	Decide thresholds `json:"decide"`
	// About says what the model was trained on and how it was chosen, for whoever reads the file.
	About map[string]string `json:"about,omitempty"`

	index map[string]int
}

// loadModel reads the embedded model called name.
func loadModel(name string) (*model, error) {
	raw, err := models.ReadFile(path.Join("models", name+".json"))
	if err != nil {
		return nil, fmt.Errorf("tracking: no model %q: %w", name, err)
	}
	var m model
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("tracking: model %q: %w", name, err)
	}
	if err := m.init(); err != nil {
		return nil, fmt.Errorf("tracking: model %q: %w", name, err)
	}
	return &m, nil
}

// init checks the shapes and indexes the features.
func (m *model) init() error {
	if len(m.Classes) == 0 || len(m.Bias) != len(m.Classes) || len(m.Weights) != len(m.Features) {
		return fmt.Errorf("%d classes, %d biases, %d features, %d weight rows: shapes disagree",
			len(m.Classes), len(m.Bias), len(m.Features), len(m.Weights))
	}
	m.index = make(map[string]int, len(m.Features))
	for i, f := range m.Features {
		if len(m.Weights[i]) != len(m.Classes) {
			return fmt.Errorf("feature %q has %d weights for %d classes", f, len(m.Weights[i]), len(m.Classes))
		}
		m.index[f] = i
	}
	return nil
}

// predict returns the probability of each class given the features (unknown ones ignored).
func (m *model) predict(features []string) []float64 {
	z := make([]float64, len(m.Classes))
	copy(z, m.Bias)
	for _, f := range features {
		i, ok := m.index[f]
		if !ok {
			continue
		}
		for c, w := range m.Weights[i] {
			z[c] += w
		}
	}
	return softmax(z)
}

// thresholds combine the model's probabilities with the cues' reading. The cues know the
// words of every development but not when a headline only calls for, asks about or explains
// one; the model has learnt that from real headlines but has seen few of the rarer
// developments. So a cue reading stands unless the model is sure the headline reports nothing
// (Veto) or something else (Switch), and the model alone reports a development the cues missed
// only when sure of it (Add).
type thresholds struct {
	Veto   float64 `json:"veto"`
	Switch float64 `json:"switch"`
	Add    float64 `json:"add"`
	// CueFloor is the least weight of a cue reading the model doubted (its weight is otherwise
	// the model's doubt, 1 - its best probability).
	CueFloor float64 `json:"cue_floor"`
}

// decide returns the fine kind read from the model's probabilities and the cues' reading, and
// how sure the reading is: the probability of the state kind it implies (its fine kinds
// summed); when the cues overrule the model, the model's doubt about its own reading.
func (m *model) decide(probs []float64, cr cueRead) (fine string, p float64) {
	cue := cr.Fine
	best := argmax(probs)
	fine, pBest := m.Classes[best], probs[best]
	switch {
	case cue == fineNone:
		if fine != fineNone && pBest < m.Decide.Add {
			fine = fineNone
		}
	case fine == fineNone && pBest < m.Decide.Veto,
		fine != fineNone && coarseOf(fine) != coarseOf(cue) && pBest < m.Decide.Switch:
		return cue, max(1-pBest, m.Decide.CueFloor)
	}
	if cr.Named && coarseOf(cue) == coarseOf(fine) {
		fine = cue // the cue's phrase names the finer development ("rejects the proposal")
	}
	for i, c := range m.Classes {
		if coarseOf(c) == coarseOf(fine) {
			p += probs[i]
		}
	}
	if fine == cue {
		p = max(p, 0.5) // model and cues agree
	}
	return fine, p
}

func softmax(z []float64) []float64 {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = max(mx, v)
	}
	sum := 0.0
	for i, v := range z {
		z[i] = math.Exp(v - mx)
		sum += z[i]
	}
	for i := range z {
		z[i] /= sum
	}
	return z
}

// argmax returns the index of the largest value (the first on ties).
func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}
