"""The learned-model trial of the claim-understanding issue runs end to end on small data."""

from pathlib import Path

from bot.eval.entity_model_trial import Score, answers, model_value, score, train

SCENARIOS = Path(__file__).resolve().parents[2] / "data" / "scenarios"


def test_a_crf_trained_on_the_dev_set_reads_names_of_the_holdout_and_is_scored_beside_the_rules():
    data = answers([SCENARIOS / "dev.yml"])
    test = [a for a in answers([SCENARIOS / "holdout.yml"]) if a.item == "insured_name"]
    model = train("insured_name", data)
    right = sum(model_value(model, a) == a.expected for a in test)
    assert right >= 0.8 * len(test)
    scores = {"insured_name": Score(), "hospital": Score()}
    score({"insured_name": model}, test, scores)
    result = scores["insured_name"]
    assert result.answers == len(test) and result.rules_right >= result.answers - 1
    assert result.combined_right >= result.rules_right
