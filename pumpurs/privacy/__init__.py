"""The data protection officer's pages: the audit trail as they read it (DESIGN §2, §7).

The trail itself — ``AuditEvent``, ``audit_record`` and ``record_view`` — lives in ``audit``, at
the bottom of the house, because every app writes to it. Reading it needs the people it names and
the reader's scope (``people.access``), so the reader sits above the domain apps.
"""
