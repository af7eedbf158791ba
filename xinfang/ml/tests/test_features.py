import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from xinfang.ml.features import CharNgramTfidf, decode_key


def test_char_tfidf_matches_scikit_learn_exactly(synthetic_corpus):
    texts, _ = synthetic_corpus
    train, test = texts[:90] + ["a", "ab"], texts[90:] + ["a", "", "没见过的字"]
    ours = CharNgramTfidf(max_n=3, min_df=2).fit(train)
    reference = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2).fit(train)
    names = [decode_key(k) for k in ours.vocabulary_]
    assert sorted(names) == sorted(reference.get_feature_names_out())
    columns = np.array([reference.vocabulary_[name] for name in names])
    expected = reference.transform(test).toarray()[:, columns]
    assert np.allclose(ours.transform(test).toarray(), expected, atol=1e-12)


def test_fit_without_repeated_ngrams_is_refused():
    with pytest.raises(ValueError):
        CharNgramTfidf(min_df=2).fit(["甲", "乙"])
