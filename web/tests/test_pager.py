"""The pager shared by the staff queue, the supervisor's case list and the access log."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils import translation


def render(number, query=""):
    page = Paginator(range(100_000), 50).page(number)
    with translation.override("zh-hans"):
        return render_to_string("web/_pager.html", {"page": page, "query": query})


def test_a_long_list_names_its_pages_grouped_and_links_with_plain_numbers():
    html = render(1500)
    assert "第 1,500 / 2,000 页" in html
    assert 'href="?page=1499"' in html and 'href="?page=1501"' in html


def test_the_filters_are_kept_in_the_links():
    html = render(2, query="from=2026-01-01&to=2026-06-30")
    assert 'href="?from=2026-01-01&amp;to=2026-06-30&amp;page=1"' in html
    assert 'href="?from=2026-01-01&amp;to=2026-06-30&amp;page=3"' in html


def test_one_page_needs_no_pager():
    page = Paginator(range(10), 50).page(1)
    assert render_to_string("web/_pager.html", {"page": page}).strip() == ""
