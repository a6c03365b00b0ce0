import pytest

from knowledge.demo import load_knowledge
from knowledge.models import Entry


@pytest.fixture
def base(users):
    """The demo knowledge base (published entries, one draft, synonyms, templates)."""
    load_knowledge(users["intake"])
    return {
        "elderly": Entry.objects.get(question="高龄津贴怎么申请?"),
        "draft": Entry.objects.get(status=Entry.Status.DRAFT),
    }
