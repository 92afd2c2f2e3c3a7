"""The text of a played essay answer, and of one copied from another candidate.

Independent candidates write on the same question in the same terms (the question's topic words,
now and then one of its stock phrases) but in their own sentences, drawn word by word from a
vocabulary large enough that two of them rarely share five words in a row: the similarity service
(word 5-grams) finds little of one in another. A copy keeps the source's sentences with a word
changed here and there, as a student disguising it would, so the pair is found.
"""

from __future__ import annotations

import random
from functools import lru_cache

DETERMINERS = tuple("the a this each every that our one".split())
ADJECTIVES = tuple(
    "linear stable local global small large discrete continuous optimal partial uniform random finite "
    "initial final critical simple general empirical theoretical symmetric dynamic static weak strong "
    "relative absolute average marginal explicit implicit robust sparse dense nonlinear measured "
    "expected observed negative positive".split()
)
NOUNS = tuple(
    "model load structure value equilibrium algorithm element definition inequality error result "
    "approach memory proof boundary condition guess argument invariant tolerance function variable "
    "system sample estimate method graph network signal rate pressure energy cost price market policy "
    "source parameter matrix vector series limit bound constraint solution process trend factor "
    "measure test hypothesis distribution interval step loop state input output assumption".split()
)
VERBS = tuple(
    "explains follows requires limits shows implies supports reduces increases changes defines bounds "
    "violates satisfies describes predicts contradicts confirms determines controls affects balances "
    "approximates dominates exceeds matches weakens strengthens drives constrains".split()
)
PREPOSITIONS = tuple("of in for under with over across beyond from near".split())
OPENERS = (
    "First",
    "Second",
    "Therefore",
    "However",
    "In practice",
    "By contrast",
    "Moreover",
    "Finally",
    "In short",
    "Hence",
    "Still",
    "Similarly",
)
# A sentence as a pattern of word classes; the words are drawn for each sentence anew.
PATTERNS = tuple(
    tuple(p.split())
    for p in (
        "D A N V D N P D N",
        "O , D N V D A N",
        "D N P D A N V D N",
        "O , D A N V D N P D A N",
        "D N V D N P A N",
    )
)
CLASSES = {"D": DETERMINERS, "A": ADJECTIVES, "V": VERBS, "P": PREPOSITIONS, "O": OPENERS, ",": (",",)}
TOPIC_NOUNS = 5  # the terms of a question every answer to it leans on
PHRASES = 2  # the question's stock phrases (quoted from it, or from the course)
PHRASE_SHARE = 0.3  # how often an answer quotes one of the question's stock phrases
COPY_CHANGE = 0.03  # the share of words a copier changes


class Topic:
    """What the answers to one question share: its terms (about half the nouns of an answer) and
    its stock phrases."""

    def __init__(self, question_id: int) -> None:
        rng = random.Random(question_id)
        terms = tuple(rng.sample(NOUNS, TOPIC_NOUNS))
        self.words = {**CLASSES, "N": NOUNS + terms * (len(NOUNS) // TOPIC_NOUNS)}
        self.phrases = tuple(self.sentence(rng, ("D", "A", "N", "P", "D", "N")) for _ in range(PHRASES))

    def sentence(self, rng: random.Random, pattern: tuple[str, ...]) -> str:
        draw = rng.random  # a draw per word, as `choice` would but without its cost per call
        pools = [self.words[kind] for kind in pattern]
        text = " ".join(pool[int(draw() * len(pool))] for pool in pools).replace(" ,", ",")
        return text[0].upper() + text[1:]


@lru_cache(maxsize=256)
def topic_of(question_id: int) -> Topic:
    return Topic(question_id)


def essay_text(rng: random.Random, question_id: int) -> str:
    """One candidate's answer to an essay question: three to six sentences of their own, perhaps
    with one of the question's stock phrases."""
    topic = topic_of(question_id)
    sentences = [topic.sentence(rng, rng.choice(PATTERNS)) for _ in range(rng.randint(3, 6))]
    if rng.random() < PHRASE_SHARE:
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(topic.phrases))
    return ". ".join(sentences) + "."


def copied_text(rng: random.Random, source: str) -> str:
    """The source's text with about one word in 33 changed for another."""
    words = source.split(" ")
    vocabulary = ADJECTIVES + NOUNS + VERBS
    return " ".join(rng.choice(vocabulary) if rng.random() < COPY_CHANGE else w for w in words)
