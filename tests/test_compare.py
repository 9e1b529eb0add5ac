"""Tests for citesite.compare: a .bib entry against the registered record, field by field."""

from __future__ import annotations

from dataclasses import replace

import pytest

from citesite.bib import Author, BibEntry
from citesite.compare import FieldProblem, compare
from citesite.resolve import Registered

BASE_ENTRY = BibEntry(
    key="rezvani2017",
    entry_type="article",
    authors=(Author("Rezvani", "K."), Author("Rouce", "R.")),
    et_al=True,
    title="Engineering natural killer cells for cancer immunotherapy",
    container="Mol Ther",
    year="2017",
    volume="25",
    issue="8",
    pages="1769--1781",
    doi="10.1016/j.ymthe.2017.06.012",
)
BASE_REGISTERED = Registered(
    title="Engineering Natural Killer Cells for Cancer Immunotherapy",
    authors=(Author("Rezvani", "Katayoun"), Author("Rouce", "Rayne")),
    issued="2017-06-16",
    published_print="2017-08",
    published_online="2017-06-16",
    journal="Molecular Therapy",
    journal_short="Mol Ther",
    volume="25",
    issue="8",
    pages="1769-1781",
)

COMPARISONS = [
    # (case, changes to the .bib entry, changes to the registry record, expected problems)
    ("identical apart from form", {}, {}, []),
    ("title markup, case, punctuation", {"title": "Engineering natural-killer cells for cancer immunotherapy."},
     {"title": "Engineering <i>Natural Killer</i> Cells for Cancer Immunotherapy"}, []),
    ("title with subtitle", {"title": "Engineering cells: a review"}, {"title": "Engineering Cells", "subtitle": "A Review"}, []),
    ("title differs", {"title": "Engineering T cells for cancer immunotherapy"}, {},
     [FieldProblem("title", "Engineering T cells for cancer immunotherapy", "Engineering Natural Killer Cells for Cancer Immunotherapy")]),
    ("first author accents and hyphens", {"authors": (Author("Abou El Enein", "M."),)}, {"authors": (Author("Abou-El-Enéin", "Mohamed"),)}, []),
    ("first author misspelt", {"authors": (Author("Pietrobbon", "V."),)}, {"authors": (Author("Pietrobon", "Valeria"),)},
     [FieldProblem("first_author", "Pietrobbon V", "Pietrobon V")]),
    ("second author misspelt", {"authors": (Author("Titov", "A."), Author("Valliulina", "A."))},
     {"authors": (Author("Titov", "A."), Author("Valiullina", "A."))}, [FieldProblem("authors", "Valliulina A (2)", "Valiullina A (2)")]),
    ("year matches print, not issued", {"year": "2017"}, {"issued": "2016-12-01", "published_online": "2016-12-01"}, []),
    ("year one off is a warning", {"year": "2018"}, {}, [FieldProblem("year", "2018", "2017", "warning")]),
    ("year two off is an error", {"year": "2019"}, {}, [FieldProblem("year", "2019", "2017")]),
    ("journal NLM vs full", {"container": "Am Soc Clin Oncol Educ Book"},
     {"journal": "American Society of Clinical Oncology Educational Book", "journal_short": ""}, []),
    ("journal with place qualifier", {"container": "Cancers (Basel)"}, {"journal": "Cancers", "journal_short": ""}, []),
    ("journal with ampersand entity", {"container": "Biomed Pharmacother"}, {"journal": "Biomedicine &amp; Pharmacotherapy", "journal_short": ""}, []),
    ("journal contraction", {"container": "Proc Natl Acad Sci U S A"},
     {"journal": "Proceedings of the National Academy of Sciences of the United States of America", "journal_short": ""}, []),
    ("journal short title with dots", {"container": "Cell Death Discov"}, {"journal": "Cell Death Discovery", "journal_short": "Cell Death Discov."}, []),
    ("journal differs", {"container": "Nat Med"}, {"journal": "Nature Methods", "journal_short": "Nat Methods"},
     [FieldProblem("journal", "Nat Med", "Nature Methods / Nat Methods")]),
    ("volume differs", {"volume": "24"}, {}, [FieldProblem("volume", "24", "25")]),
    ("issue differs", {"issue": "9"}, {}, [FieldProblem("issue", "9", "8")]),
    ("abbreviated end page", {"pages": "1769-81"}, {}, []),
    ("first page only", {"pages": "1769"}, {}, []),
    ("article number in page", {"pages": "e397912"}, {"pages": "e397912"}, []),
    ("article number apart", {"pages": "40"}, {"pages": "", "article_number": "40"}, []),
    ("PDF page span for an article number", {"pages": "1-16"}, {"pages": "", "article_number": "40"}, [FieldProblem("pages", "1-16", "40")]),
    ("article number differs", {"pages": "59"}, {"pages": "69", "article_number": "69"}, [FieldProblem("pages", "59", "69")]),
    ("missing values are not compared", {"issue": "", "pages": ""}, {"volume": ""}, []),
]


@pytest.mark.parametrize(("case", "bib", "registry", "expected"), COMPARISONS, ids=[row[0] for row in COMPARISONS])
def test_compare_fields(case, bib, registry, expected) -> None:
    """compare() tolerates differences of form and reports differences of substance with both values."""
    assert compare(replace(BASE_ENTRY, **bib), replace(BASE_REGISTERED, **registry)) == expected
