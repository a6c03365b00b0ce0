from django.core.management import call_command

from cases.models import Category
from triage.lexicon import LEXICON, load_lexicon
from triage.models import CategoryKeyword


def test_every_demo_category_has_keywords(users):
    assert set(LEXICON) == set(Category.objects.values_list("code", flat=True))
    load_lexicon()
    for category in Category.objects.all():
        assert CategoryKeyword.objects.filter(category=category).exists(), category


def test_loading_again_creates_nothing_and_keeps_the_admins_edits(users):
    created = load_lexicon()
    assert created == CategoryKeyword.objects.count() > 100
    CategoryKeyword.objects.filter(word="楼道灯").update(weight=1.5)
    CategoryKeyword.objects.filter(word="井盖").delete()
    assert load_lexicon() == 0
    assert CategoryKeyword.objects.get(word="楼道灯").weight == 1.5
    assert not CategoryKeyword.objects.filter(word="井盖").exists()


def test_the_command_loads_it(users, capsys):
    call_command("load_lexicon")
    assert "keywords created" in capsys.readouterr().out
    assert CategoryKeyword.objects.exists()


def test_the_admin_lists_keywords_with_their_reading(lexicon, client):
    client.force_login(lexicon["admin"])
    page = client.get("/admin/triage/categorykeyword/?q=楼道灯")
    assert page.status_code == 200
    assert "lou dao deng" in page.content.decode()
    assert client.get("/admin/triage/triagemodel/").status_code == 200
    assert client.get("/admin/triage/suggestion/").status_code == 200
