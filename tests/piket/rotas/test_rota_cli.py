"""`flask piket who` and `flask piket import-rota`."""

from sqlalchemy import func, select

from extensions import db
from piket.rotas.models import RotaShift
from tests.piket.rotas.conftest import at


def run(app, *args):
    return app.test_cli_runner().invoke(args=["piket", *args])


def test_who_prints_three_levels(app, make_rota, people, shift):
    primary, national = make_rota("primary"), make_rota("national")
    make_rota("backup")
    shift(primary, people["a"], at(2026, 12, 24, 17), at(2026, 12, 25, 9))
    shift(national, people["landelijk"], at(2026, 12, 24, 9), at(2026, 12, 27, 9))
    result = run(app, "who", "--region", "rotterdam", "--at", "2026-12-24 23:00")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "primair: Anna, anna@test.nl, +31611111111",
        "achtervang: niemand",
        "nationaal: Lotte, landelijk@test.nl, +31644444444",
    ]
    # --at defaults to now (the app's clock): 22 Nov 2026, before these shifts.
    assert run(app, "who", "--region", "rotterdam").output.splitlines() == [
        "primair: niemand",
        "achtervang: niemand",
        "nationaal: niemand",
    ]


def test_who_refuses_bad_input_with_one_line(app, registry):
    result = run(app, "who", "--region", "utrecht")
    assert result.exit_code == 2 and result.output.strip() == "error: region: onbekende regio 'utrecht'"
    result = run(app, "who", "--region", "rotterdam", "--at", "kerstavond")
    assert result.exit_code == 2 and result.output.strip().startswith("error: at: onleesbare tijd")
    result = run(app, "who", "--region", "rotterdam", "--at", "2027-03-28 02:30")
    assert (
        result.exit_code == 2
        and result.output.strip() == "error: at: deze tijd bestaat niet (de klok gaat een uur vooruit)"
    )


def test_import_rota_and_its_errors(app, make_rota, people, tmp_path):
    make_rota("backup")
    good = tmp_path / "goed.csv"
    good.write_text(
        "region,email,start,end\nrotterdam,anna@test.nl,2026-12-24 17:00,2026-12-25 09:00\n"
        "rotterdam,bram@test.nl,2026-12-25 09:00,2026-12-26 09:00\n"
    )
    result = run(app, "import-rota", str(good), "--level", "backup")
    assert result.exit_code == 0 and result.output.startswith("2 dienst(en) geïmporteerd"), result.output
    assert run(app, "import-rota", str(good), "--level", "backup").output.startswith(
        "0 dienst(en) geïmporteerd, 2 al aanwezig"
    )

    bad = tmp_path / "fout.csv"
    bad.write_text(
        "rotterdam,anna@test.nl,2026-12-27 17:00,2026-12-28 09:00\n"
        "rotterdam,bram@test.nl,2027-03-28 02:30,2027-03-28 09:00\n"
        "utrecht,bram@test.nl,2026-12-29 17:00,2026-12-30 09:00\n"
    )
    result = run(app, "import-rota", str(bad), "--level", "backup")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == "regel 2: begin: deze tijd bestaat niet (de klok gaat een uur vooruit)"
    assert lines[1] == "regel 3: regio: onbekende regio 'utrecht'"
    assert lines[2].startswith("error: file: 2 fout(en)")
    assert db.session.scalar(select(func.count()).select_from(RotaShift)) == 2  # row 1 was fine, yet not imported
    # The default level is primary, and Rotterdam has no primary rota here.
    result = run(app, "import-rota", str(good))
    assert result.exit_code == 2 and "regel 2: regio: regio rotterdam heeft geen rooster primair" in result.output
