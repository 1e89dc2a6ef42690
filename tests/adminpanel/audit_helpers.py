"""Reading the audit log in tests."""
def audit_rows(city, action):
    """The city's audit rows of one action: (who, target, changes)."""
    from adminpanel.models import AuditEntry

    return [(e.actor, e.target, e.changes) for e in AuditEntry.objects.filter(tenant=city.tenant, action=action)]
