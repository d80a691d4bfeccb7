"""Pages of the compliance officers' console, under ``/conformite/``.

Every page is for compliance officers only (the second factor is enforced by
``OfficerMfaMiddleware``); each view parses, calls one service or selector and
renders. Decisions are POST forms; a refusal names its rule and changes nothing.
"""
