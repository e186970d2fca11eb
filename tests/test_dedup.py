"""Near-duplicate passages: a copied passage collapses onto the copy in the longer article, others stay apart."""

from filmchat.chunking import Chunk
from filmchat.dedup import near_duplicates

STORY = ("A conductor hides a runaway girl in the luggage car while soldiers search every carriage on the "
         "last train out of the city, and the two of them wait for the border in silence.")


def chunk(i: int, file: str, text: str, end: int) -> Chunk:
    return Chunk(id=f"{file}#{i}", file=file, start=0, end=end, text=text, title="t", film="Night Train", section=None)


def test_a_copy_points_at_the_passage_in_the_longer_article():
    chunks = [chunk(0, "aa-copy.txt", STORY, end=300),  # sorts first, but its article is shorter
              chunk(1, "zz-full.txt", STORY, end=5000),
              chunk(2, "other.txt", "Two sisters cross a frozen field to find their father's cabin before the "
                                     "storm closes the only road down the mountain.", end=5000)]
    assert near_duplicates(chunks) == [1, 1, 2]


def test_passages_that_share_a_few_words_are_not_duplicates():
    other = STORY.replace("runaway girl", "wounded soldier").replace("soldiers search every carriage", "the rain falls")
    chunks = [chunk(0, "a.txt", STORY, end=300), chunk(1, "b.txt", other + " A different ending follows here.", end=300)]
    assert near_duplicates(chunks) == [0, 1]


def test_one_passage_or_none_is_its_own():
    assert near_duplicates([]) == []
    assert near_duplicates([chunk(0, "a.txt", STORY, end=10)]) == [0]
