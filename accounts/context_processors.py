from .roles import Role, user_roles


def roles(request) -> dict:
    user_role_set = user_roles(request.user)
    ordered = [role for role in Role if role in user_role_set]
    return {
        "user_roles": ordered,
        "user_role_labels": [role.label for role in ordered],
        "is_officer": any(role != Role.MEMBER for role in ordered),
    }
