"""The write path of Factdesk. Admin, API, pages and tasks all call these.

Functions are keyword-only and named ``<noun>_<verb>``. They own their
transactions and enqueue Celery work with ``transaction.on_commit`` so a task
never sees a row that was rolled back.
"""
