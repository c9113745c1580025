"""A learned fallback that places a doctor's diagnosis string in its ICD-10 category.

The term dictionary and its composition rules know the claims contract's categories and the words
callers use; the strings doctors write (右肺上叶周围型腺癌, 左距腓前韧带撕裂) span the whole ICD-10, and no
rule set keeps up with how they are built. A linear SVM over character n-grams, trained on every standard
term of ICD-10 北京临床版 v6.01 (``data/medical_terms/icd10_terms.tsv``), the project's own terms and, when
given, labelled benchmark strings, answers only when its margin over the runner-up clears a threshold
chosen on held-out strings: what it cannot place stays 未匹配 rather than getting a wrong category.

The artifact is a build product of ``claimbot train`` (about a minute on two cores), never downloaded.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse

from nlu.term_data import DATA_DIR, load_term_data

log = logging.getLogger(__name__)

ICD10_TERMS = DATA_DIR / "medical_terms" / "icd10_terms.tsv"
PROJECT_TERMS = (DATA_DIR / "medical_terms" / "diagnoses.yml", DATA_DIR / "medical_terms" / "injuries.yml")
ARTIFACT = DATA_DIR.parent / "models" / "diagnosis_classifier.joblib"
# Margin (best score minus the runner-up's) below which the classifier gives no category. On 5-fold
# cross-validation over the CHIP-CDN training strings, 0.2 keeps 80 % of the strings at 79 % precision;
# 0.1 would keep 88 % at 75 %, 0.5 57 % at 88 % (README, "Diagnoses").
DEFAULT_THRESHOLD = 0.2
# Weights smaller than this change no ranking measurably and would make the model ten times larger.
_PRUNE_BELOW = 0.02
# Side, stage, grade labels and numbers say how, not what: 左侧, IIA2期, L5, 2型 carry no category.
_NOT_CATEGORY = re.compile(r"[左右双]侧?|[A-Za-z0-9０-９Ⅰ-Ⅻ]+期?|[^\u3400-\u9fff]")


def prepare(text: str) -> str:
    """The characters that name the disease, in order."""
    return _NOT_CATEGORY.sub("", text)


def load_labelled(path: Path) -> list[tuple[str, str]]:
    """(text, category) rows of a TSV whose header names `text` and `category`; rows with a blank category
    (the benchmark's strings with several categories) are left out."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if not rows.fieldnames or not {"text", "category"} <= set(rows.fieldnames):
            raise ValueError(f"{path}: the header must name the columns text and category")
        return [(row["text"].strip(), row["category"].strip()) for row in rows
                if row["text"] and row["category"] and row["category"].strip()]


def icd10_rows(path: Path = ICD10_TERMS) -> list[tuple[str, str, str]]:
    """(code, category, term) rows of the generated ICD-10 term file."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return [(row["code"], row["category"], row["term"])
                for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)]


def category_names(rows: Sequence[tuple[str, str, str]]) -> dict[str, str]:
    """Each category's professional name: its own ICD-10 entry, else its first term."""
    names: dict[str, str] = {}
    for code, category, term in rows:
        if code == category:
            names[category] = term
        else:
            names.setdefault(category, term)
    return names


def project_examples() -> list[tuple[str, str]]:
    """The project's own terms and synonyms (脑梗 → I63) and its body part × injury kind words (手腕骨折 →
    S52), so the forms callers use weigh in beside the textbook's."""
    data = load_term_data(DATA_DIR)
    examples = [(word, diagnosis.category) for diagnosis in data.diagnoses
                for word in (diagnosis.term, *diagnosis.synonyms)]
    for part in data.injuries.body_parts:
        for kind, injury in part.injuries.items():
            examples.append((injury.term, injury.icd10[:3]))
            examples += [(word + said, injury.icd10[:3]) for word in part.words
                         for said in data.injuries.kinds.get(kind, ())[:3]]
    return examples


def inputs_hash(extra: Path | None) -> str:
    """What shapes the model: the term files, this module, the extra labelled file (if any)."""
    digest = hashlib.sha256()
    for path in (ICD10_TERMS, *PROJECT_TERMS, Path(__file__), *([extra] if extra else [])):
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Prediction:
    category: str
    name: str
    margin: float


class DiagnosisClassifier:
    """Char 1–3-gram TF-IDF and one-vs-rest linear SVM, weights kept sparse (features × categories)."""

    def __init__(self, vectorizer, weights: sparse.csr_matrix, intercept: np.ndarray, classes: Sequence[str],
                 names: dict[str, str], threshold: float = DEFAULT_THRESHOLD) -> None:
        self.vectorizer = vectorizer
        self.weights = weights
        self.intercept = intercept
        self.classes = list(classes)
        self.names = names
        self.threshold = threshold

    @classmethod
    def train(cls, examples: Iterable[tuple[str, str]], names: dict[str, str], *, c: float = 1.0,
              threshold: float = DEFAULT_THRESHOLD) -> DiagnosisClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.svm import LinearSVC

        pairs = [(prepare(text), category) for text, category in examples]
        pairs = [(text, category) for text, category in pairs if text]
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float32)
        features = vectorizer.fit_transform([text for text, _ in pairs]).astype(np.float64)
        features.sort_indices()  # liblinear's own layout: the worker processes then read it as shared, unchanged
        # One binary SVM per category, as LinearSVC does, but spread over the machine's cores.
        model = OneVsRestClassifier(LinearSVC(C=c), n_jobs=-1)
        model.fit(features, [category for _, category in pairs])
        coef = np.vstack([estimator.coef_ for estimator in model.estimators_]).astype(np.float32)
        intercept = np.array([estimator.intercept_[0] for estimator in model.estimators_], dtype=np.float32)
        coef[np.abs(coef) < _PRUNE_BELOW] = 0.0
        weights = sparse.csr_matrix(coef.T)
        return cls(vectorizer, weights, intercept, [str(label) for label in model.classes_], names, threshold)

    def predict_many(self, texts: Sequence[str]) -> list[Prediction | None]:
        """The category of each text, or None when nothing of it is known or the margin is too small."""
        if not texts:
            return []
        prepared = [prepare(text) for text in texts]
        scores = np.asarray((self.vectorizer.transform(prepared) @ self.weights).todense()) + self.intercept
        top2 = np.argsort(-scores, axis=1)[:, :2]
        found: list[Prediction | None] = []
        for text, row, (first, second) in zip(prepared, scores, top2):
            margin = float(row[first] - row[second])
            if not text or margin < self.threshold:
                found.append(None)
                continue
            category = self.classes[first]
            found.append(Prediction(category, self.names.get(category, category), round(margin, 3)))
        return found

    def predict(self, text: str) -> Prediction | None:
        return self.predict_many([text])[0]

    def save(self, path: Path = ARTIFACT) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"vectorizer": self.vectorizer, "weights": self.weights, "intercept": self.intercept,
                     "classes": self.classes, "names": self.names, "threshold": self.threshold}, path, compress=3)
        return path

    @classmethod
    def load(cls, path: Path = ARTIFACT) -> DiagnosisClassifier:
        saved = joblib.load(path)
        return cls(saved["vectorizer"], saved["weights"], saved["intercept"], saved["classes"], saved["names"],
                   saved["threshold"])


def base_examples(rows: Sequence[tuple[str, str, str]]) -> list[tuple[str, str]]:
    return [(term, category) for _code, category, term in rows] + project_examples()


def build(extra: Path | None = None, path: Path = ARTIFACT, *, force: bool = False) -> Path:
    """Train on the ICD-10 terms, the project's terms and ``extra`` (labelled strings), unless an artifact
    built from the same inputs exists (their hash sits beside it, so checking costs no model load)."""
    path = Path(path)
    source_hash = inputs_hash(extra)
    stamp = path.with_suffix(".inputs")
    if not force and path.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == source_hash:
        return path
    rows = icd10_rows()
    examples = base_examples(rows) + (load_labelled(extra) if extra else [])
    DiagnosisClassifier.train(examples, category_names(rows)).save(path)
    stamp.write_text(source_hash, encoding="utf-8")
    return path


_lock = threading.Lock()
_installed: dict[Path, DiagnosisClassifier | None] = {}


def installed(path: Path = ARTIFACT) -> DiagnosisClassifier | None:
    """The built classifier, loaded once per process; None (with a warning) before ``claimbot train``."""
    with _lock:
        if path not in _installed:
            if Path(path).exists():
                _installed[path] = DiagnosisClassifier.load(path)
            else:
                log.warning("no diagnosis classifier at %s (run `claimbot train`): doctors' terms outside the "
                            "dictionary stay 未匹配", path)
                _installed[path] = None
        return _installed[path]


def install(classifier: DiagnosisClassifier | None, path: Path = ARTIFACT) -> None:
    """Use ``classifier`` (or none) in place of the built artifact: unit tests pin the fallback down so
    that they read the same on a machine that has run ``claimbot train`` and on one that has not."""
    with _lock:
        _installed[path] = classifier
