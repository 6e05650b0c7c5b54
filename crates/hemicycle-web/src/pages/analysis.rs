//! "What happened" for a sitting: who stayed away, whether that could have
//! broken the quorum, how cohesive each bloc was, who holds power. The numbers
//! come from `hemicycle-analytics`; the pictures are served by the API.

use std::fmt::Write as _;

use hemicycle_analytics::attendance::{attendance, Scope};
use hemicycle_analytics::cohesion::cohesion;
use hemicycle_analytics::quorum::{chamber_games, sitting_quorum, BlocGame};
use hemicycle_core::ids::SittingId;
use hemicycle_core::State;

use super::html::{document, escape, name, Page, Scripts};
use super::PageContext;

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{:.1}%", value * 100.0))
}

fn decimal(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{value:.3}"))
}

fn picture(out: &mut String, file: &str, query: &str, alternative: &str) {
    let _ = writeln!(
        out,
        "<figure class=\"analysis-picture\"><img src=\"/api/analysis/pictures/{file}{query}\" alt=\"{}\" data-testid=\"picture-{}\"></figure>",
        escape(alternative),
        file.trim_end_matches(".svg")
    );
}

fn game_table(out: &mut String, game: &BlocGame) {
    let _ = writeln!(
        out,
        "<p>{} (quota {}).</p>\n<table class=\"power\"><thead><tr><th>Bloc</th><th>Members</th><th>Banzhaf (normalised)</th><th>Shapley–Shubik</th></tr></thead><tbody>",
        escape(&game.description),
        game.quota
    );
    for (index, bloc) in game.blocs.iter().enumerate() {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{:.4}</td><td>{:.4}</td></tr>",
            name(bloc),
            game.weights[index],
            game.power.banzhaf_normalised[index],
            game.power.shapley_shubik[index]
        );
    }
    out.push_str("</tbody></table>\n");
}

/// The analysis page of a sitting (`/record/sittings/{id}/analysis`); `None`
/// if there is no such sitting.
pub fn sitting_analysis(state: &State, context: &PageContext, id: &SittingId) -> Option<String> {
    let sitting = state.sittings.get(id)?;
    let query = format!("?sitting={}", escape(id.as_str()));
    let mut main = String::new();
    let _ = writeln!(
        main,
        "<header class=\"page-header\"><p class=\"kicker\"><a href=\"/record/sittings/{}\">The record</a> · analysis</p><h1>What happened: {}</h1></header>",
        escape(id.as_str()),
        name(&sitting.title)
    );

    main.push_str(
        "<section class=\"analysis quorum\" data-testid=\"analysis-quorum\"><h2>The quorum</h2>\n",
    );
    match sitting_quorum(state, id) {
        Ok(report) => {
            for notice in &report.notices {
                let _ = writeln!(main, "<p class=\"notice\">{}</p>", escape(notice));
            }
            for sentence in &report.sentences {
                let _ = writeln!(main, "<p>{}</p>", escape(sentence));
            }
        }
        Err(error) => {
            let _ = writeln!(main, "<p>{}</p>", escape(&error.to_string()));
        }
    }
    picture(
        &mut main,
        "attendance.svg",
        &query,
        "The seats, by attendance",
    );
    main.push_str("</section>\n");

    if let Ok(report) = attendance(state, &Scope::Sitting(id.clone())) {
        main.push_str("<section class=\"analysis attendance\" data-testid=\"analysis-attendance\"><h2>Attendance by bloc</h2>\n\
             <table><thead><tr><th>Bloc</th><th>Present</th><th>Absent</th><th>Excused</th><th>Boycotting</th><th>Took part in divisions</th></tr></thead><tbody>\n");
        for bloc in &report.blocs {
            let _ = writeln!(
                main,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                name(&bloc.name),
                bloc.presence.present,
                bloc.presence.absent,
                bloc.presence.excused,
                bloc.presence.boycotting,
                percent(bloc.participation_rate)
            );
        }
        main.push_str("</tbody></table>\n</section>\n");
    }

    if let Ok(report) = cohesion(state, &Scope::Sitting(id.clone())) {
        if !report.divisions.is_empty() {
            main.push_str("<section class=\"analysis cohesion\" data-testid=\"analysis-cohesion\"><h2>Cohesion</h2>\n\
                 <table><thead><tr><th>Bloc</th><th>Rice index</th><th>Agreement index</th></tr></thead><tbody>\n");
            for bloc in &report.blocs {
                let _ = writeln!(
                    main,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    name(&bloc.name),
                    decimal(bloc.mean_rice),
                    decimal(bloc.mean_agreement)
                );
            }
            main.push_str("</tbody></table>\n");
            picture(&mut main, "cohesion.svg", &query, "Cohesion by bloc");
            picture(
                &mut main,
                "agreement.svg",
                &query,
                "Agreement between blocs",
            );
            main.push_str("</section>\n");
        }
    }

    if let Ok(games) = chamber_games(state) {
        main.push_str("<section class=\"analysis power\" data-testid=\"analysis-power\"><h2>Who holds power</h2>\n");
        for sentence in &games.sentences {
            let _ = writeln!(main, "<p>{}</p>", escape(sentence));
        }
        if let Some(game) = &games.quorum_denial {
            main.push_str("<h3>Denying the quorum by staying away</h3>\n");
            game_table(&mut main, game);
            picture(
                &mut main,
                "quorum-power.svg",
                "",
                "Power to deny the quorum",
            );
        }
        if let Some(game) = &games.majority {
            main.push_str("<h3>Carrying a vote</h3>\n");
            game_table(&mut main, game);
            picture(&mut main, "majority-power.svg", "", "Voting power");
        }
        main.push_str("</section>\n");
    }

    let _ = writeln!(
        main,
        "<section class=\"analysis data\"><h2>The data</h2><ul>\
         <li><a href=\"/api/analysis/attendance{query}\">Attendance (JSON)</a></li>\
         <li><a href=\"/api/analysis/quorum{query}\">Quorum (JSON)</a></li>\
         <li><a href=\"/api/analysis/cohesion{query}\">Cohesion (JSON)</a></li>\
         <li><a href=\"/api/analysis/power\">Voting power (JSON)</a></li>\
         <li><a href=\"/api/analysis/pictures/ideal-points.svg\">Ideal points of every member over all recorded divisions (SVG)</a> · \
         <a href=\"/api/analysis/ideal-points\">(JSON)</a></li></ul></section>"
    );
    Some(document(
        &Page {
            title: format!("{} — what happened", sitting.title),
            context,
            kind: "record",
            scripts: Scripts::Forms,
            body_attributes: String::new(),
        },
        &main,
    ))
}
