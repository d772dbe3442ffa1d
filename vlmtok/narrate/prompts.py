"""placeholder"""
def fit_words(t, n): return t
def word_limit(t, l="en"): return 60
