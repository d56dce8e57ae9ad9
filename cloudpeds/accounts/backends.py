"""Authentication backends that load a signed-in person's hospital and department with them.

Every page's navigation names the person's hospital, and most views read
`user.hospital_id`/`user.department`: one joined query per request instead of three.

That query is the same on every signed-in request but its primary key, and building it
through the ORM (select_related over three models, 35 columns) cost more than running it
(~0.6 ms of Python against ~0.3 ms in the database, issue 17). So it is compiled once per
process and database, and each request only runs the compiled statement and builds the
objects the way the ORM's own iterator does (`from_db`, then the related populators, with
the columns' converters applied). tests/accounts/test_user_loading.py checks that the
result equals the ORM's, so a Django upgrade that changes these internals fails there.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connections, router
from django.db.models.query import get_related_populators


@dataclass(frozen=True)
class _Statement:
    sql: str
    converters: dict
    fields_start: int
    fields_end: int
    init_list: list[str]
    populators: list


_statements: dict[str, _Statement] = {}


def _compile(alias: str) -> _Statement:
    user_model = get_user_model()
    queryset = user_model._default_manager.select_related("hospital", "department").filter(pk=0)
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if len(params) != 1:  # only the primary key may vary
        raise RuntimeError(f"the signed-in user's query has unexpected parameters: {params!r}")
    select, klass_info = compiler.select, compiler.klass_info
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    return _Statement(
        sql=sql,
        converters=compiler.get_converters([column for column, _sql, _alias in select]),
        fields_start=start,
        fields_end=end,
        init_list=[column.target.attname for column, _sql, _alias in select[start:end]],
        populators=get_related_populators(klass_info, select, alias),
    )


def load_user_with_places(user_id):
    """The user with `pk=user_id`, its hospital and department loaded with it, or None.

    The same objects as `User.objects.select_related("hospital", "department").get(pk=...)`.
    """
    user_model = get_user_model()
    pk = user_model._meta.pk.to_python(user_id)
    alias = router.db_for_read(user_model)
    statement = _statements.get(alias)
    if statement is None:
        statement = _statements[alias] = _compile(alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    if statement.converters:
        # As SQLCompiler.apply_converters, with this thread's connection.
        row = list(row)
        for position, (converters, expression) in statement.converters.items():
            for converter in converters:
                row[position] = converter(row[position], expression, connection)
    user = user_model.from_db(alias, statement.init_list, row[statement.fields_start : statement.fields_end])
    for populator in statement.populators:
        populator.populate(row, user)
    return user


class _UserWithPlacesMixin:
    def get_user(self, user_id):
        user = load_user_with_places(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_UserWithPlacesMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(_UserWithPlacesMixin, AllauthBackend):
    pass
