"""Retrieval: finding passages of source documents for a claim.

Pure engine (no Django): ``text`` (analysis, sentences), ``lexical`` (tantivy BM25),
``vector`` (hnswlib), ``hybrid`` (fusion), ``collection`` (both indexes over one
set of passages), ``passages`` (the sentence worth quoting). Django adapter:
``store`` (passages cut from SourceDocuments, index files kept in step with the
database).
"""
