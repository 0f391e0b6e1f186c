"""Give every account its username's key, and make the key, not LOWER(username), the unique one.

Accounts whose usernames share a key (`alice` in fullwidth letters and `alice`, which LOWER() told apart) cannot
both keep theirs: the migration stops and names them, so that all but one are renamed first.
"""

from collections import defaultdict

from django.db import migrations, models

from users.usernames import MAX_LENGTH, username_key


def keys_fill(apps, schema_editor):
    User = apps.get_model("users", "User")
    by_key = defaultdict(list)
    for user_id, username in User.objects.values_list("id", "username").order_by("id"):
        by_key[username_key(username)].append((user_id, username))
    shared = {key: users for key, users in by_key.items() if len(users) > 1}
    too_long = [users[0][1] for key, users in by_key.items() if len(key) > MAX_LENGTH]
    if shared or too_long:
        lines = [
            "usernames " + ", ".join(repr(name) for _, name in users) + f" are one name ({key!r})"
            for key, users in sorted(shared.items())
        ]
        lines += [f"username {name!r} is longer than {MAX_LENGTH} characters once normalised" for name in too_long]
        raise RuntimeError(
            "Rename these accounts (all but one of each group) before migrating:\n" + "\n".join(lines)
        )
    for key, [(user_id, _)] in by_key.items():
        User.objects.filter(pk=user_id).update(username_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0002_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=150, null=True),
        ),
        migrations.RunPython(keys_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=150, unique=True),
        ),
        migrations.RemoveConstraint(
            model_name="user",
            name="user_username_ci_unique",
        ),
    ]
