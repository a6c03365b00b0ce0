from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import State
from triage import suggest, training
from triage.classifier import Fitted
from triage.models import TriageModel
from triage.suggest import suggest_categories

# Closed cases in this installation's own words: "坝坝" (a courtyard) and "嘎嘎" are in no lexicon.
WORDS = {
    "sanitation": ["坝坝头{}堆起好多烂东西", "坝坝里头{}臭烘烘的烂菜叶", "{}坝坝角角脏得很"],
    "noise": ["楼下嘎嘎店{}闹到好晚", "嘎嘎店{}放歌闹得很", "{}嘎嘎店的音乐闹死人"],
    "property": ["小区{}的摩托乱停", "{}门口摩托停满了", "摩托把{}的路堵了"],
}


@pytest.fixture
def closed_cases(open_case):
    made = []
    for code, sentences in WORDS.items():
        for i in range(12):
            sentence = sentences[i % len(sentences)].format(f"{i + 1}栋")
            made.append(open_case(sentence, category=code, state=State.CLOSED, days_ago=40 + i))
    return made


def test_training_then_suggesting_learns_this_installations_words(closed_cases):
    assert [s for s in suggest_categories("嘎嘎店闹得很") if s.category.code == "noise"] == []
    model = training.train()
    assert model is not None and model.trained_on == 36
    found = suggest_categories("嘎嘎店闹得很")
    assert found[0].category.code == "noise"
    assert found[0].model_id == model.pk
    assert "嘎嘎" in "".join(found[0].reasons)  # the model's own words are the reason
    assert suggest_categories("坝坝头又堆起了")[0].category.code == "sanitation"


def test_the_stored_model_is_plain_json_and_rebuilds_into_the_same_answers(closed_cases):
    model = training.train()
    model.refresh_from_db()
    fitted = Fitted.from_json(model.classes, model.parameters)
    vector = fitted.vector("摩托停满了")
    assert fitted.classes[int(fitted.probabilities(vector).argmax())] == "property"


def test_a_stored_row_we_did_not_write_is_refused_and_the_lexicon_answers(lexicon):
    TriageModel.objects.create(
        created_at=timezone.now(), trained_on=100, classes=["noise"], parameters={"format": 9}
    )
    with pytest.raises(ValueError):
        Fitted.from_json(["noise"], {"format": 9})
    assert suggest.latest_model() is None
    assert suggest_categories("楼道灯坏了")[0].category.code == "infrastructure"


def test_too_few_closed_cases_train_nothing(open_case):
    open_case("楼道灯坏了", state=State.CLOSED)
    assert training.train() is None
    assert not TriageModel.objects.exists()


def test_open_cases_are_not_trained_on(open_case):
    for i in range(40):
        open_case(f"嘎嘎店闹{i}", category="noise" if i % 2 else "property")
    assert training.train() is None


def test_retrain_if_due_trains_once_a_day_and_only_after_new_closures(closed_cases, open_case):
    now = timezone.now()
    first = training.retrain_if_due(now=now)
    assert first is not None
    assert training.retrain_if_due(now=now + timedelta(hours=2)) is None  # not due yet
    assert training.retrain_if_due(now=now + timedelta(days=2)) is None  # nothing closed since
    later = open_case("坝坝又脏了", category="sanitation", state=State.CLOSED, days_ago=0)
    type(later).objects.filter(pk=later.pk).update(updated_at=now + timedelta(days=1))
    assert training.retrain_if_due(now=now + timedelta(days=2)) is not None


def test_old_models_are_deleted(closed_cases):
    for _ in range(training.KEEP_MODELS + 2):
        training.train()
    assert TriageModel.objects.count() == training.KEEP_MODELS


def test_the_command_says_how_many_and_how_long(closed_cases, capsys):
    call_command("train_triage")
    out = capsys.readouterr().out
    assert "Trained on 36 closed cases in" in out


def test_the_command_says_when_there_is_too_little(lexicon, capsys):
    call_command("train_triage")
    assert "Not trained" in capsys.readouterr().out
